// The /comms websocket: subscribes to debug messages and node statuses and
// reconnects by itself, backing off up to 5 s.

export interface CommsItem {
  topic: string;
  data: unknown;
}

export interface CommsHandlers {
  onItems(items: CommsItem[]): void;
  onState(connected: boolean): void;
  /** onAuthFail is called when the server refuses the token (adminAuth). */
  onAuthFail?(): void;
}

export function commsURL(loc: Location = location): string {
  const base = new URL('comms', loc.href);
  base.protocol = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return base.href;
}

/** editorTopics is what the editor's own connection subscribes to. */
export const editorTopics = ['debug', 'status/#', 'notification/#'];

/** connectComms keeps a connection open, subscribed to topics (again
 * after each reconnect), until the returned function is called. */
export function connectComms(h: CommsHandlers, url = commsURL(), token: () => string = () => '', topics: string[] = editorTopics): () => void {
  let ws: WebSocket | null = null;
  let stopped = false;
  let delay = 500;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const open = () => {
    ws = new WebSocket(url);
    ws.onopen = () => {
      delay = 500;
      // with adminAuth the first packet must carry the token
      const t = token();
      if (t) ws!.send(JSON.stringify({ auth: t }));
      for (const t of topics) ws!.send(JSON.stringify({ subscribe: t }));
      h.onState(true);
    };
    ws.onmessage = (e) => {
      let v: unknown;
      try {
        v = JSON.parse(String(e.data));
      } catch {
        return;
      }
      if (v && typeof v === 'object' && (v as { auth?: string }).auth === 'fail') {
        stopped = true;
        h.onAuthFail?.();
        return;
      }
      if (Array.isArray(v)) h.onItems(v.filter((x): x is CommsItem => !!x && typeof x.topic === 'string'));
    };
    ws.onclose = () => {
      ws = null;
      if (stopped) return;
      h.onState(false);
      timer = setTimeout(open, delay);
      delay = Math.min(delay * 2, 5000);
    };
  };
  open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    ws?.close();
  };
}
