package storage

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/flowgate/flowgate/engine"
)

// DataAPI serves the time-series store over HTTP under /api/data, JSON in
// and out:
//
//	GET    /api/data/{id}   one reading, 404 when there is none
//	GET    /api/data?topic=&from=&to=&where=&limit=&offset=&order=&interval=&field=
//	                        a page of readings: {"data": [...], "limit", "offset", "next"}
//	GET    /api/data?...&after=<id>
//	                        the page of readings after reading id (key paging,
//	                        each page as cheap as the first): {"data": [...],
//	                        "limit", "after", "next_after"} (next_after: the id
//	                        to ask after for the next page, when there is one)
//	GET    /api/data/topics?topic=
//	                        the stored topics (matching an MQTT filter), sorted:
//	                        {"topics": [{topic, count, id, payload, ts}]} with
//	                        each topic's newest reading, kept by the store
//	POST   /api/data        a reading {topic, payload, ts?} or a list of them: {"ids": [...]}
//	DELETE /api/data/{id}   one reading: 204, 404 when there is none
//	DELETE /api/data?...    the readings matching the conditions: {"deleted": n}
//	GET    /api/data/export?topic=&from=&to=&where=&format=csv|jsonl
//	                        every matching reading, oldest first, streamed: CSV
//	                        (id,topic,ts,time,payload; payload as JSON) or JSON
//	                        lines ({id, topic, payload, ts} as in data)
//
// The store is opened on the first request and held until Close.
type DataAPI struct {
	dbs     *DBs
	mux     *http.ServeMux
	maxBody int64
	now     func() time.Time

	mu sync.Mutex // guards db, st
	db *DB
	st *Store
}

// NewDataAPI returns the /api/data handler over the store of dbs; bodies
// are limited to maxBody bytes (0: 5 MiB).
func NewDataAPI(dbs *DBs, maxBody int64) *DataAPI {
	if maxBody <= 0 {
		maxBody = 5 << 20
	}
	a := &DataAPI{dbs: dbs, mux: http.NewServeMux(), maxBody: maxBody, now: time.Now}
	a.mux.HandleFunc("GET /api/data/export", a.export)
	a.mux.HandleFunc("GET /api/data/topics", a.topics)
	a.mux.HandleFunc("GET /api/data/{id}", a.getOne)
	a.mux.HandleFunc("GET /api/data", a.getSeries)
	a.mux.HandleFunc("POST /api/data", a.post)
	a.mux.HandleFunc("DELETE /api/data/{id}", a.deleteOne)
	a.mux.HandleFunc("DELETE /api/data", a.deleteWhere)
	return a
}

// ServeHTTP implements http.Handler.
func (a *DataAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// Close releases the store.
func (a *DataAPI) Close() error {
	a.mu.Lock()
	db := a.db
	a.db, a.st = nil, nil
	a.mu.Unlock()
	return a.dbs.Release(db)
}

func (a *DataAPI) store(r *http.Request) (*Store, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.st != nil {
		return a.st, nil
	}
	db, st, err := a.dbs.AcquireStore(r.Context())
	if err != nil {
		return nil, err
	}
	a.db, a.st = db, st
	return st, nil
}

func (a *DataAPI) getOne(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	st, err := a.store(r)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	rows, err := st.Select(r.Context(), Query{ID: id})
	switch {
	case err != nil:
		writeError(w, http.StatusInternalServerError, err)
	case len(rows) == 0:
		writeError(w, http.StatusNotFound, fmt.Errorf("no reading %d", id))
	default:
		writeJSON(w, http.StatusOK, rows[0])
	}
}

func (a *DataAPI) getSeries(w http.ResponseWriter, r *http.Request) {
	q, err := queryOf(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	st, err := a.store(r)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	limit, offset := q.page()
	q.Limit, q.Offset = limit+1, offset // one more tells whether there is a next page
	rows, err := st.Select(r.Context(), q)
	switch {
	case errors.Is(err, ErrNoCursor):
		writeError(w, http.StatusNotFound, err)
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, err)
		return
	}
	page := engine.ObjectOf("limit", limit, "offset", offset)
	if q.After != 0 {
		page = engine.ObjectOf("limit", limit, "after", q.After)
	}
	if len(rows) > limit {
		rows = rows[:limit]
		if q.After != 0 {
			last, _ := engine.AsObject(rows[limit-1])
			page.Set("next_after", last.Value("id"))
		} else {
			page.Set("next", offset+limit)
		}
	}
	page.Set("data", rows)
	writeJSON(w, http.StatusOK, page)
}

// topics answers the stored topics with their newest reading and count.
func (a *DataAPI) topics(w http.ResponseWriter, r *http.Request) {
	st, err := a.store(r)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	list, err := st.Topics(r.Context(), r.URL.Query().Get("topic"))
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	out := make([]any, len(list))
	for i, t := range list {
		out[i] = engine.ObjectOf("topic", t.Topic, "count", float64(t.Count), "id", float64(t.Last.ID), "payload", t.Last.Payload, "ts", float64(t.Last.TS))
	}
	writeJSON(w, http.StatusOK, engine.ObjectOf("topics", out))
}

// export streams the readings of a query as CSV or JSON lines. An error
// after the first bytes aborts the response, so a cut file never looks
// complete.
func (a *DataAPI) export(w http.ResponseWriter, r *http.Request) {
	q, err := queryOf(r)
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "jsonl"
	}
	if format != "csv" && format != "jsonl" {
		err = errors.Join(err, fmt.Errorf("format: must be csv or jsonl, got %q", format))
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	st, err := a.store(r)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	if _, err := compile(q); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	flusher, _ := w.(http.Flusher)
	var cw *csv.Writer
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		cw = csv.NewWriter(w)
		_ = cw.Write([]string{"id", "topic", "ts", "time", "payload"})
	} else {
		w.Header().Set("Content-Type", "application/x-ndjson")
	}
	w.Header().Set("Content-Disposition", `attachment; filename="data.`+format+`"`)
	w.WriteHeader(http.StatusOK)
	var line []byte
	n := 0
	err = st.Export(r.Context(), q, func(topic string, rd Reading) error {
		var err error
		if cw != nil {
			line, err = engine.AppendJSON(line[:0], rd.Payload, "")
			if err == nil {
				err = cw.Write([]string{strconv.FormatInt(rd.ID, 10), topic, strconv.FormatInt(rd.TS, 10),
					time.UnixMilli(rd.TS).UTC().Format("2006-01-02T15:04:05.000Z"), string(line)})
			}
		} else {
			line, err = engine.AppendJSON(line[:0], engine.ObjectOf("id", float64(rd.ID), "topic", topic, "payload", rd.Payload, "ts", float64(rd.TS)), "")
			if err == nil {
				_, err = w.Write(append(line, '\n'))
			}
		}
		if n++; n%1000 == 0 && flusher != nil {
			if cw != nil {
				cw.Flush()
			}
			flusher.Flush()
		}
		return err
	})
	if cw != nil {
		cw.Flush()
		err = errors.Join(err, cw.Error())
	}
	if err != nil {
		panic(http.ErrAbortHandler)
	}
}

func (a *DataAPI) post(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.maxBody))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, err)
		return
	}
	v, err := engine.DecodeJSON(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("invalid JSON: %w", err))
		return
	}
	list, isList := v.([]any)
	if !isList {
		list = []any{v}
	}
	now := a.now().UnixMilli()
	rs := make([]Reading, 0, len(list))
	for i, e := range list {
		m, ok := e.(*engine.Object)
		topic, _ := m.Value("topic").(string)
		if !ok || topic == "" {
			writeError(w, http.StatusBadRequest, fmt.Errorf("reading %d: needs a topic", i))
			return
		}
		rd := Reading{Topic: topic, Payload: m.Value("payload"), TS: now}
		if ts, ok := m.Value("ts").(float64); ok {
			rd.TS = int64(ts)
		}
		rs = append(rs, rd)
	}
	st, err := a.store(r)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	ids, err := st.Insert(r.Context(), rs)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	list = make([]any, len(ids))
	for i, id := range ids {
		list[i] = float64(id)
	}
	writeJSON(w, http.StatusCreated, engine.ObjectOf("ids", list))
}

func (a *DataAPI) deleteOne(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	st, err := a.store(r)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	n, err := st.Delete(r.Context(), Query{ID: id})
	switch {
	case err != nil:
		writeError(w, http.StatusInternalServerError, err)
	case n == 0:
		writeError(w, http.StatusNotFound, fmt.Errorf("no reading %d", id))
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

func (a *DataAPI) deleteWhere(w http.ResponseWriter, r *http.Request) {
	q, err := queryOf(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	st, err := a.store(r)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	n, err := st.Delete(r.Context(), q)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	writeJSON(w, http.StatusOK, engine.ObjectOf("deleted", n))
}

// queryOf reads a Query from the URL: each parameter as ParseQuery's field
// of the same name, where as a JSON list.
func queryOf(r *http.Request) (Query, error) {
	vals := r.URL.Query()
	m := engine.NewObject(len(vals))
	for _, k := range slices.Sorted(maps.Keys(vals)) {
		m.Set(k, vals[k][0])
	}
	if w, ok := m.Value("where").(string); ok {
		v, err := engine.DecodeJSON([]byte(w))
		if err != nil {
			return Query{}, fmt.Errorf("where: invalid JSON: %w", err)
		}
		m.Set("where", v)
	}
	var q Query
	err := ParseQuery(m, &q)
	if q.Limit > MaxLimit {
		err = errors.Join(err, fmt.Errorf("limit: at most %d", MaxLimit))
	}
	return q, err
}

func pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusBadRequest, fmt.Errorf("invalid id %q", r.PathValue("id")))
		return 0, false
	}
	return id, true
}

// writeJSON answers v as JSON.stringify writes it (objects in key order).
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := engine.AppendJSON(nil, v, "")
	if err != nil {
		status, b = http.StatusInternalServerError, engine.AppendJSONQuote([]byte(`{"error":`), err.Error())
		b = append(b, '}')
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, engine.ObjectOf("error", err.Error()))
}
