// Command flowgate runs the Flowgate flow engine and editor. It is thin:
// flags and their environment twins, sub-commands and signals; the work is
// in package runtime.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/flowgate/flowgate/runtime"
)

// version is set by the build (-ldflags "-X main.version=...").
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cmd := "run"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "run":
		return runServer(args, stderr)
	case "validate":
		return validate(args, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "flowgate", version)
		return 0
	case "hash-password":
		return hashPassword(os.Stdin, stdout, stderr)
	case "admin":
		return admin(args, os.Stdin, stdout, stderr)
	case "backup", "restore":
		return backupRestore(cmd, args, stdout, stderr)
	case "fleet":
		return fleetCmd(args, stdout, stderr)
	case "help":
		usage(stdout)
		return 0
	}
	fmt.Fprintf(stderr, "flowgate: unknown command %q\n", cmd)
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: flowgate [run] [flags]     start Flowgate (editor on --listen)
       flowgate validate FILE      check a flows file without running it: exit 1 on
                                   what a deploy refuses, warnings for node properties
       flowgate version            print the version
       flowgate hash-password      read a password on standard input, print its bcrypt hash
       flowgate admin init --settings FILE
                                   ask a user name and password, write adminAuth into FILE
       flowgate backup [flags] FILE
                                   write flows, credentials and their key, context, time
                                   series and the broker's store to FILE (gzip tar)
       flowgate restore [flags] FILE
                                   put a backup back (stop Flowgate first)
       flowgate fleet keygen|list|deploy|rollback ...
                                   sign and send deploys to gateways over an MQTT broker
                                   (flowgate fleet help)

flags (each has an environment twin, e.g. FLOWGATE_LISTEN):
`)
}

// flags binds the run flags; each defaults to its FLOWGATE_* environment variable.
func flags(fs *flag.FlagSet, s *runtime.Settings) *string {
	env := func(name, def string) string {
		if v, ok := os.LookupEnv("FLOWGATE_" + name); ok {
			return v
		}
		return def
	}
	fs.StringVar(&s.Listen, "listen", env("LISTEN", ""), "editor and http in address (default :1880)")
	fs.StringVar(&s.DataDir, "data", env("DATA", ""), "data directory (default ~/.flowgate)")
	fs.StringVar(&s.FlowsFile, "flows", env("FLOWS", ""), "flows file (default DATA/flows.json)")
	fs.StringVar(&s.Broker, "broker", env("BROKER", ""), "embedded MQTT broker address, or off (default :1883)")
	fs.StringVar(&s.MQTTBroker.WS, "broker-ws", env("BROKER_WS", ""), "embedded MQTT broker websocket address (default none)")
	fs.StringVar(&s.HW, "hw", env("HW", ""), "hardware backend: auto, periph, sim or off (default auto)")
	fs.StringVar(&s.GatewayID, "gateway-id", env("GATEWAY_ID", ""), "Home Assistant gateway id in unique ids and topics, or off (default from the machine id)")
	fs.StringVar(&s.Fleet.Broker, "fleet-broker", env("FLEET_BROKER", ""), "join a fleet over this MQTT broker: mqtt://host:port or mqtts://host:port")
	fs.StringVar(&s.Fleet.ID, "fleet-id", env("FLEET_ID", ""), "this gateway's id in the fleet")
	fs.StringVar(&s.Fleet.Group, "fleet-group", env("FLEET_GROUP", ""), "this gateway's group in the fleet")
	fs.StringVar(&s.Fleet.Pub, "fleet-pub", env("FLEET_PUB", ""), "fleet.pub: apply only deploys signed by its key")
	fs.StringVar(&s.Fleet.Username, "fleet-username", env("FLEET_USERNAME", ""), "fleet broker user name")
	fs.StringVar(&s.Fleet.Password, "fleet-password", env("FLEET_PASSWORD", ""), "fleet broker password (prefer FLOWGATE_FLEET_PASSWORD)")
	fs.StringVar(&s.File, "settings", env("SETTINGS", ""), "settings file (YAML, Node-RED setting names)")
	return fs.String("log-level", env("LOG_LEVEL", "info"), "log level: debug, info, warn or error")
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

func runServer(args []string, stderr io.Writer) int {
	var s runtime.Settings
	fs := flag.NewFlagSet("flowgate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	level := flags(fs, &s)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log, err := newLogger(stderr, *level)
	if err != nil {
		fmt.Fprintln(stderr, "flowgate:", err)
		return 2
	}
	s.Log, s.Version, s.Welcome, s.ReleaseStartPages = log, version, true, true
	if err := s.LoadFile(); err != nil {
		log.Error("bad settings", "err", err)
		return 2
	}
	rt, err := runtime.New(s)
	if err != nil {
		log.Error("cannot start", "err", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := rt.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		log.Error("flowgate failed", "err", err)
		return 1
	}
	return 0
}

// backupRestore runs `flowgate backup FILE` or `flowgate restore FILE`,
// with the run flags naming the data directory, flows and settings.
func backupRestore(cmd string, args []string, stdout, stderr io.Writer) int {
	var s runtime.Settings
	fs := flag.NewFlagSet("flowgate "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	flags(fs, &s)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "usage: flowgate %s [flags] FILE\n", cmd)
		return 2
	}
	s.Version = version
	if err := s.LoadFile(); err != nil {
		fmt.Fprintln(stderr, "flowgate:", err)
		return 2
	}
	file := fs.Arg(0)
	var m runtime.BackupManifest
	var err error
	if cmd == "backup" {
		m, err = backupTo(s, file)
	} else {
		m, err = restoreFrom(s, file)
	}
	if err != nil {
		fmt.Fprintln(stderr, "flowgate:", err)
		return 1
	}
	for _, w := range m.Warnings {
		fmt.Fprintln(stderr, "flowgate: warning:", w)
	}
	fmt.Fprintf(stdout, "%s %s: %d files (Flowgate %s, %s)\n", cmd, file, len(m.Files), m.Version, m.Created.Format("2006-01-02 15:04:05Z"))
	return 0
}

// backupTo writes the backup to file, through a temporary file renamed
// when complete.
func backupTo(s runtime.Settings, file string) (runtime.BackupManifest, error) {
	tmp := file + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return runtime.BackupManifest{}, err
	}
	m, err := runtime.Backup(s, f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, file)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return m, err
}

func restoreFrom(s runtime.Settings, file string) (runtime.BackupManifest, error) {
	f, err := os.Open(file)
	if err != nil {
		return runtime.BackupManifest{}, err
	}
	defer f.Close()
	return runtime.Restore(s, f)
}

func validate(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: flowgate validate FILE")
		return 2
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		fmt.Fprintln(stderr, "flowgate:", err)
		return 1
	}
	report, ok := runtime.Validate(data)
	for _, line := range report {
		fmt.Fprintln(stdout, line)
	}
	if !ok {
		return 1
	}
	fmt.Fprintln(stdout, "ok")
	return 0
}

// hashPassword prints the bcrypt hash of the password on in (its first
// line), for adminAuth and httpNodeAuth in the settings file.
func hashPassword(in io.Reader, stdout, stderr io.Writer) int {
	line, err := bufio.NewReader(io.LimitReader(in, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		fmt.Fprintln(stderr, "flowgate:", err)
		return 1
	}
	h, err := runtime.HashPassword([]byte(strings.TrimRight(line, "\r\n")))
	if err != nil {
		fmt.Fprintln(stderr, "flowgate:", err)
		return 1
	}
	fmt.Fprintln(stdout, h)
	return 0
}
