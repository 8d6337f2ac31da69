// Parses Mermaid text from stdin with mermaid's own parser, in node without
// a browser: DOMPurify, which only sanitises rendered labels, is stubbed.
import DOMPurify from 'dompurify';
DOMPurify.addHook ??= () => {};
DOMPurify.removeHook ??= () => {};
DOMPurify.removeAllHooks ??= () => {};
DOMPurify.sanitize ??= (text) => text;
const { default: mermaid } = await import('mermaid');
import { readFileSync } from 'node:fs';
const text = readFileSync(0, 'utf8');
try {
  const result = await mermaid.parse(text);
  console.log('ok', result.diagramType);
} catch (e) {
  console.error('error', e.message ?? e);
  process.exit(1);
}
