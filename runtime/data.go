package runtime

import (
	"github.com/flowgate/flowgate/nodes/storage"
)

// storageService is the runtime's share of storage: the database pool the
// storage nodes use, the /api/data handler over the same store, and the
// feed of stored readings to the editors (/comms "data/<topic>").
type storageService struct {
	dbs  *storage.DBs
	api  *storage.DataAPI
	feed *storage.Feed
}

// publishTo sends the readings the store commits to the editors
// subscribed to them; set before the store is opened.
func (st *storageService) publishTo(publish func(topic string, data any), wants func(topic string) bool) {
	st.feed = storage.NewFeed(publish, wants)
	st.dbs.SetNotify(st.feed)
}

func newStorage(s Settings) *storageService {
	dbs := storage.NewDBs(s.DataDir)
	dbs.SetRollups(s.Timeseries)
	return &storageService{dbs: dbs, api: storage.NewDataAPI(dbs, s.MaxBodyBytes)}
}

// close releases what /api/data holds (the nodes release theirs on stop).
func (st *storageService) close() error {
	if st.feed != nil {
		st.feed.Close()
	}
	return st.api.Close()
}
