// Package mochiclose closes a mochi-mqtt server without the deadlock of
// its own Close in mochi 2.7.9.
//
// mochi's Server.Close closes each listener with closeListenerClients,
// which calls Clients.GetByListener; that takes the clients' read lock and,
// holding it, calls Clients.Len, which takes it again. A client leaving at
// that moment (Clients.Delete waiting for the write lock) makes the second
// read lock wait behind the writer, which waits for the first: Close never
// returns (seen as a test binary hung in Close for minutes). Close here
// closes the listeners first with a closer that reads the clients under a
// single read lock (Clients.GetAll); mochi's Close then finds them closed
// and skips its own closer.
package mochiclose

import (
	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// Close closes the listeners named by ids (the ids they were added with),
// disconnecting their clients, then the server.
func Close(srv *mqtt.Server, ids ...string) error {
	for _, id := range ids {
		srv.Listeners.Close(id, func(listener string) {
			for _, cl := range srv.Clients.GetAll() {
				if cl.Net.Listener == listener && !cl.Closed() {
					_ = srv.DisconnectClient(cl, packets.ErrServerShuttingDown)
				}
			}
		})
	}
	return srv.Close()
}
