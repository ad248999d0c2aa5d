import { spawn } from 'node:child_process';

export interface ParsedXml {
  tag: string;
  attrib: Record<string, string>;
  text: string | null;
  children: ParsedXml[];
}

const PARSE = `
import json, sys
import xml.etree.ElementTree as ET
def tree(e):
    return {"tag": e.tag, "attrib": e.attrib, "text": e.text, "children": [tree(c) for c in e]}
try:
    root = ET.fromstring(sys.stdin.buffer.read())
except ET.ParseError as error:
    sys.stderr.write(str(error))
    sys.exit(3)
sys.stdout.write(json.dumps(tree(root)))
`;

/**
 * Parses XML with a real, strict XML 1.0 parser (Python's expat, through xml.etree): rejects what
 * is not well-formed, and decodes entities as every consumer of the file will.
 */
export function parseXml(xml: string): Promise<ParsedXml> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', PARSE], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(stdout) as ParsedXml) : reject(new Error(`not well-formed XML: ${stderr}`))));
    child.stdin.end(xml);
  });
}
