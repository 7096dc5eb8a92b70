package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/flowgate/flowgate/runtime/fleet"
)

const fleetUsage = `usage: flowgate fleet keygen DIR
           write DIR/fleet.key (0600, signs deploys) and DIR/fleet.pub (for --fleet-pub)
       flowgate fleet list --broker ADDR
           one line per gateway: id, group, online/offline, version, rev
       flowgate fleet deploy --broker ADDR --key FILE --to ID|group:NAME FLOWS.json
           sign and send the flows; print each gateway's result, exit 1 if any failed
       flowgate fleet rollback --broker ADDR --key FILE --to ID|group:NAME
           undo the last deploy sent to the target
  ADDR is mqtt://host:port or mqtts://host:port; --username, --password (or
  FLOWGATE_FLEET_PASSWORD) log in; --wait bounds the wait for the results.
`

func fleetCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, fleetUsage)
		return 2
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "keygen":
		if len(args) != 1 {
			fmt.Fprint(stderr, fleetUsage)
			return 2
		}
		priv, pub, err := fleet.Keygen(args[0])
		if err != nil {
			fmt.Fprintln(stderr, "flowgate fleet keygen:", err)
			return 1
		}
		fmt.Fprintf(stdout, "wrote %s (keep it secret: it signs deploys) and %s (give it to each gateway: --fleet-pub)\n", priv, pub)
		return 0
	case "list", "deploy", "rollback":
		return fleetRemote(sub, args, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, fleetUsage)
		return 0
	}
	fmt.Fprintf(stderr, "flowgate fleet: unknown command %q\n", sub)
	fmt.Fprint(stderr, fleetUsage)
	return 2
}

func fleetRemote(sub string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("flowgate fleet "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var b fleet.Broker
	fs.StringVar(&b.URL, "broker", os.Getenv("FLOWGATE_FLEET_BROKER"), "MQTT broker: mqtt://host:port or mqtts://host:port")
	fs.StringVar(&b.Username, "username", os.Getenv("FLOWGATE_FLEET_USERNAME"), "broker user name")
	fs.StringVar(&b.Password, "password", os.Getenv("FLOWGATE_FLEET_PASSWORD"), "broker password")
	wait := fs.Duration("wait", 30*time.Second, "how long to wait for the broker and the gateways' results")
	key := fs.String("key", "", "fleet.key signing the deploy")
	to := fs.String("to", "", "target: a gateway id, or group:NAME")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if b.URL == "" {
		fmt.Fprintln(stderr, "flowgate fleet "+sub+": --broker is required")
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), *wait)
	defer cancel()
	if sub == "list" {
		return fleetList(ctx, b, stdout, stderr)
	}
	req := fleet.Request{Target: *to, Action: fleet.ActionDeploy}
	wantArgs := 1
	if sub == "rollback" {
		req.Action, wantArgs = fleet.ActionRollback, 0
	}
	if *key == "" || *to == "" || fs.NArg() != wantArgs {
		fmt.Fprint(stderr, fleetUsage)
		return 2
	}
	sk, err := fleet.LoadPrivateKey(*key)
	if err != nil {
		fmt.Fprintln(stderr, "flowgate fleet "+sub+": --key:", err)
		return 2
	}
	if sub == "deploy" {
		data, err := os.ReadFile(fs.Arg(0))
		if err == nil && !json.Valid(data) {
			err = fmt.Errorf("%s: not JSON", fs.Arg(0))
		}
		if err != nil {
			fmt.Fprintln(stderr, "flowgate fleet deploy:", err)
			return 2
		}
		req.Flows = data
	}
	d, outs, err := fleet.Send(ctx, b, sk, req)
	if err != nil {
		fmt.Fprintf(stderr, "flowgate fleet %s: %v\n", sub, err)
		return 1
	}
	what := fmt.Sprintf("rev %d", d.Rev)
	if d.Action == fleet.ActionRollback {
		what = fmt.Sprintf("rev %d (rollback of rev %d)", d.Rev, d.From)
	}
	fmt.Fprintf(stdout, "%s sent to %s\n", what, d.Target)
	return printOutcomes(stdout, outs)
}

func fleetList(ctx context.Context, b fleet.Broker, stdout, stderr io.Writer) int {
	states, err := fleet.List(ctx, b)
	if err != nil {
		fmt.Fprintln(stderr, "flowgate fleet list:", err)
		return 1
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tGROUP\tSTATE\tVERSION\tREV\tHEALTH")
	for _, s := range states {
		online := "offline"
		if s.Online {
			online = "online"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\n", s.ID, dash(s.Group), online, s.Version, s.Rev, s.Health)
	}
	w.Flush()
	return 0
}

// printOutcomes prints one line per gateway (and its problems under it);
// 1 when one failed, was refused or did not answer while online.
func printOutcomes(stdout io.Writer, outs []fleet.Outcome) int {
	code := 0
	for _, o := range outs {
		r := o.Result
		switch {
		case r == nil && !o.State.Online:
			fmt.Fprintf(stdout, "%s\tpending\toffline: gets it when it reconnects\n", o.State.ID)
			continue
		case r == nil:
			fmt.Fprintf(stdout, "%s\tfailed\tno answer in time\n", o.State.ID)
			code = 1
			continue
		case r.Status != fleet.StatusApplied:
			code = 1
		}
		line := fmt.Sprintf("%s\t%s", r.ID, r.Status)
		if r.FlowsRev != "" {
			line += "\tflows " + r.FlowsRev[:min(12, len(r.FlowsRev))]
		}
		if r.Error != "" {
			line += "\t" + r.Error
		}
		fmt.Fprintln(stdout, line)
		for _, p := range r.Problems {
			fmt.Fprintf(stdout, "  %s: node %s (%s) %s: %s\n", p.Severity, p.Node, p.Type, dash(p.Field), p.Reason)
		}
	}
	return code
}

func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}
