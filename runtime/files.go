package runtime

import "github.com/flowgate/flowgate/nodes"

// Files are the settings file's keys for the exec and file nodes.
type Files struct {
	// ExecDisabled refuses to deploy exec nodes (Flowgate's key).
	ExecDisabled bool `yaml:"execDisabled"`
	// FileWorkingDirectory anchors relative file names of the file, file
	// in and watch nodes (Node-RED's key).
	FileWorkingDirectory string `yaml:"fileWorkingDirectory"`
	// FileAllowDirs, when not empty, are the only directories the file,
	// file in and watch nodes may touch (Flowgate's key).
	FileAllowDirs []string `yaml:"fileAllowDirs"`
}

// merge fills what f leaves empty from the settings file's g.
func (f *Files) merge(g Files) {
	f.ExecDisabled = f.ExecDisabled || g.ExecDisabled
	if f.FileWorkingDirectory == "" {
		f.FileWorkingDirectory = g.FileWorkingDirectory
	}
	if len(f.FileAllowDirs) == 0 {
		f.FileAllowDirs = g.FileAllowDirs
	}
}

// nodeOptions adds the file settings to the node types' options.
func (f Files) nodeOptions(o nodes.Options) nodes.Options {
	o.ExecDisabled = f.ExecDisabled
	o.FileWorkingDirectory = f.FileWorkingDirectory
	o.FileAllowDirs = f.FileAllowDirs
	return o
}
