package runtime

import (
	"github.com/flowgate/flowgate/nodes/storage"
)

// storageService is the runtime's share of storage: the database pool the
// storage nodes use, and the /api/data handler over the same store.
type storageService struct {
	dbs *storage.DBs
	api *storage.DataAPI
}

func newStorage(s Settings) *storageService {
	dbs := storage.NewDBs(s.DataDir)
	dbs.SetRollups(s.Timeseries)
	return &storageService{dbs: dbs, api: storage.NewDataAPI(dbs, s.MaxBodyBytes)}
}

// close releases what /api/data holds (the nodes release theirs on stop).
func (st *storageService) close() error { return st.api.Close() }
