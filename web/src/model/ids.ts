// Node ids as Node-RED makes them: 16 lowercase hex digits.

/** newId returns a fresh random Node-RED style id. */
export function newId(): string {
  const b = new Uint8Array(8);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
