/** Finds where a JSON text first breaks the grammar, because V8's messages do not always carry a position. */

const WS = new Set([' ', '\t', '\n', '\r']);

/** The offset of the first character that cannot continue valid JSON (text.length when the text ends too soon). */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const skip = () => {
    while (i < text.length && WS.has(text[i]!)) i++;
  };
  // Explicit stack instead of recursion: a body of 100k nested arrays must not overflow ours.
  const stack: Array<'array' | 'object'> = [];
  const value = (): boolean => {
    skip();
    const c = text[i];
    if (c === '{' || c === '[') {
      stack.push(c === '{' ? 'object' : 'array');
      i++;
      return true;
    }
    if (c === '"') return string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return true;
      }
    }
    return false;
  };
  const string = (): boolean => {
    i++;
    while (i < text.length) {
      const c = text[i]!;
      if (c === '"') {
        i++;
        return true;
      }
      if (c < ' ') return false;
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return (i += 1), false;
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else return (i += 1), false;
      } else i++;
    }
    return false;
  };
  const number = (): boolean => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) return false;
    i += m[0].length;
    return true;
  };

  if (!value()) return i;
  for (;;) {
    const top = stack[stack.length - 1];
    if (!top) break;
    skip();
    const closing = top === 'object' ? '}' : ']';
    const justOpened = text[i - 1] === (top === 'object' ? '{' : '[');
    if (text[i] === closing) {
      stack.pop();
      i++;
      continue;
    }
    if (!justOpened) {
      if (text[i] !== ',') return i;
      i++;
      skip();
    }
    if (top === 'object') {
      if (text[i] !== '"' || !string()) return i;
      skip();
      if (text[i] !== ':') return i;
      i++;
    }
    if (!value()) return i;
  }
  skip();
  return i;
}
