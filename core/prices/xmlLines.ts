/**
 * Line numbers of XML elements: fast-xml-parser gives no positions, so the start tags are
 * scanned once and the n-th element of a name (in document order) is found by its index.
 */
export class XmlLines {
  private readonly byName = new Map<string, number[]>();
  private readonly lines: string[];

  constructor(text: string) {
    this.lines = text.split('\n');
    const re = /<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)(?=[\s/>])/g;
    this.lines.forEach((l, i) => {
      for (const m of l.matchAll(re)) {
        const name = m[2] as string;
        const list = this.byName.get(name) ?? [];
        list.push(i + 1);
        this.byName.set(name, list);
      }
    });
  }

  /** line of the n-th (0-based) element of this name in the document */
  nth(name: string, n: number): number | undefined {
    return this.byName.get(name)?.[n];
  }

  /** line of the first `child` element at or after `from` (the parent's line), before `until` */
  after(from: number | undefined, child: string, until?: number): number | undefined {
    if (from === undefined) return undefined;
    const lines = this.byName.get(child) ?? [];
    return lines.find((l) => l >= from && (until === undefined || l < until)) ?? from;
  }
}
