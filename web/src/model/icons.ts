// The node icons: a small built-in set of line drawings keyed by the spec's
// icon name (iconName: "inject.svg" → "inject"), with a fallback.

/** paths draws each icon in a 20×20 box with white strokes. */
const paths: Record<string, string> = {
  // an arrow into a tray
  inject: 'M4 10h9M10 6l4 4-4 4M15 4v12',
  // lines of output
  debug: 'M4 5h12M4 9h12M4 13h8M4 17h5',
  // a warning triangle
  alert: 'M10 3l7 13H3zM10 8v4M10 14v.5',
  status: 'M10 3a7 7 0 1 0 .1 0M10 6v5l3 2',
  // two arrows the other way round
  swap: 'M4 7h11M12 4l3 3-3 3M16 13H5M8 10l-3 3 3 3',
  // one path forking into three
  switch: 'M3 10h5M8 10l7-5M8 10h7M8 10l7 5',
  template: 'M7 4c-2 0-2 1-2 3s-2 3-2 3 2 1 2 3 0 3 2 3M13 4c2 0 2 1 2 3s2 3 2 3-2 1-2 3 0 3-2 3',
  timer: 'M10 4a6.5 6.5 0 1 0 .1 0M10 7v4h3M8 2h4',
  trigger: 'M3 14h4V6h6v8h4',
  range: 'M3 15l14-10M3 15h3M14 5h3',
  rbe: 'M3 13h4l3-6 3 6h4',
  'link-out': 'M8 7H5a3 3 0 0 0 0 6h3M12 7h3a3 3 0 0 1 0 6h-3M7 10h6',
  'link-in': 'M8 7H5a3 3 0 0 0 0 6h3M12 7h3a3 3 0 0 1 0 6h-3M7 10h6',
  'link-call': 'M8 7H5a3 3 0 0 0 0 6h3M12 7h3a3 3 0 0 1 0 6h-3M7 10h6',
  link: 'M8 7H5a3 3 0 0 0 0 6h3M12 7h3a3 3 0 0 1 0 6h-3M7 10h6',
  comment: 'M3 4h14v9H9l-4 3v-3H3z',
  // braces, for the parsers
  parser: 'M7 4c-2 0-2 1-2 3s-2 3-2 3 2 1 2 3 0 3 2 3M13 4c2 0 2 1 2 3s2 3 2 3-2 1-2 3 0 3-2 3M9 10h2',
  split: 'M3 10h5M8 10l7-5M8 10l7 5M12 10h3',
  join: 'M3 5l7 5-7 5M10 10h7',
  sort: 'M4 5h12M4 10h8M4 15h4',
  batch: 'M3 5h6v4H3zM11 5h6v4h-6zM3 11h6v4H3z',
  function: 'M12 3c-3 0-3 2-3 4v8c0 2-1 3-3 3M6 9h6',
  white: 'M4 10h12',
  globe: 'M10 3a7 7 0 1 0 .1 0M3 10h14M10 3c-3 3-3 11 0 14M10 3c3 3 3 11 0 14',
  bridge: 'M3 14c3-6 11-6 14 0M3 14h14M7 11v3M13 11v3',
  file: 'M5 3h7l3 3v11H5zM12 3v3h3',
  db: 'M4 5c0-2 12-2 12 0v10c0 2-12 2-12 0zM4 5c0 2 12 2 12 0',
  serial: 'M4 7h12v6H4zM7 10h.5M10 10h.5M13 10h.5',
  cog: 'M10 7a3 3 0 1 0 .1 0M10 2v3M10 15v3M2 10h3M15 10h3M4.5 4.5l2 2M13.5 13.5l2 2M4.5 15.5l2-2M13.5 6.5l2-2',
};

/** iconPath picks the drawing of an icon name: itself, a family
 * ("parser-json" → "parser", "http-in" → "globe"), else a cog. */
export function iconPath(name: string): string {
  if (paths[name]) return paths[name];
  if (name.startsWith('parser')) return paths.parser;
  if (name.startsWith('link')) return paths.link;
  if (name.includes('http') || name.includes('web') || name.includes('mqtt')) return paths.globe;
  if (name.includes('file')) return paths.file;
  return paths.cog;
}
