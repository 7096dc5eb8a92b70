// Package runtime is Flowgate's composition root: settings, process
// lifecycle, the flows store, the engine with every node type, the HTTP
// listener shared by the editor and http in routes, and the Backend the
// editor drives. It may import every other package; nothing imports it but
// cmd/flowgate and tests.
package runtime
