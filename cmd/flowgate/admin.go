package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/flowgate/flowgate/runtime"
)

// admin runs `flowgate admin init`: Node-RED's `node-red admin init`,
// for the login only. It asks for a user name and a password (on a
// terminal without echo, twice; piped: one line each) and writes
// adminAuth with that user and full permissions into the settings file.
func admin(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "init" {
		fmt.Fprintln(stderr, "usage: flowgate admin init --settings FILE")
		return 2
	}
	fs := flag.NewFlagSet("flowgate admin init", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("settings", os.Getenv("FLOWGATE_SETTINGS"), "settings file to write adminAuth into (created if missing)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if *file == "" {
		fmt.Fprintln(stderr, "flowgate: admin init needs --settings FILE (the file flowgate run --settings reads)")
		return 2
	}
	user, pass, err := askLogin(stdin, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "flowgate:", err)
		return 1
	}
	h, err := runtime.HashPassword([]byte(pass))
	if err == nil {
		err = runtime.SetAdminUser(*file, user, h)
	}
	if err != nil {
		fmt.Fprintln(stderr, "flowgate:", err)
		return 1
	}
	fmt.Fprintf(stdout, "adminAuth: user %q with full permissions written to %s\n", user, *file)
	fmt.Fprintln(stdout, "restart Flowgate to apply it; to open the editor to the network, set uiHost: 0.0.0.0 in the same file")
	return 0
}

// askLogin reads a user name and a password: from a terminal with
// prompts (the password unechoed and confirmed), else one line each.
func askLogin(stdin io.Reader, prompt io.Writer) (string, string, error) {
	f, tty := stdin.(*os.File)
	tty = tty && term.IsTerminal(int(f.Fd()))
	in := bufio.NewReader(io.LimitReader(stdin, 8192))
	fmt.Fprint(prompt, "Username: ")
	user, err := readLine(in)
	if err != nil {
		return "", "", fmt.Errorf("read user name: %w", err)
	}
	if user == "" {
		return "", "", errors.New("empty user name")
	}
	if !tty {
		fmt.Fprint(prompt, "Password: ")
		pass, err := readLine(in)
		if err != nil {
			return "", "", fmt.Errorf("read password: %w", err)
		}
		fmt.Fprintln(prompt)
		return user, pass, nil
	}
	pass, err := askHidden(f, prompt, "Password: ")
	if err != nil {
		return "", "", err
	}
	again, err := askHidden(f, prompt, "Confirm password: ")
	if err != nil {
		return "", "", err
	}
	if pass != again {
		return "", "", errors.New("the passwords differ")
	}
	return user, pass, nil
}

func askHidden(f *os.File, prompt io.Writer, label string) (string, error) {
	fmt.Fprint(prompt, label)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(prompt)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	return string(b), nil
}

// readLine returns one line without its line end; the last line may
// lack one.
func readLine(in *bufio.Reader) (string, error) {
	line, err := in.ReadString('\n')
	if err != nil && (!errors.Is(err, io.EOF) || line == "") {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}
