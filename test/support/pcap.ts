/**
 * A minimal pcap writer for tests: TCP payloads as one stream between two loopback ports,
 * LINKTYPE_RAW (IPv4), with consistent sequence numbers so a dissector reads them as a real
 * conversation. For feeding our own frames to tshark.
 */
export interface PcapSegment {
  /** true: from the server port to the client port */
  fromServer: boolean;
  payload: Buffer;
}

export function pcapOfTcp(segments: readonly PcapSegment[], ports: { client: number; server: number }): Buffer {
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(65535, 16);
  global.writeUInt32LE(101, 20); // LINKTYPE_RAW
  const parts: Buffer[] = [global];
  const seq = { client: 1000, server: 5000 };
  segments.forEach((s, i) => {
    const ip = Buffer.alloc(20);
    const tcp = Buffer.alloc(20);
    const total = 40 + s.payload.length;
    ip[0] = 0x45;
    ip.writeUInt16BE(total, 2);
    ip.writeUInt16BE(i + 1, 4);
    ip[8] = 64;
    ip[9] = 6;
    ip.writeUInt32BE(0x7f000001, 12);
    ip.writeUInt32BE(0x7f000001, 16);
    let sum = 0;
    for (let k = 0; k < 20; k += 2) sum += ip.readUInt16BE(k);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    ip.writeUInt16BE(~sum & 0xffff, 10);
    const [src, dst] = s.fromServer ? [ports.server, ports.client] : [ports.client, ports.server];
    tcp.writeUInt16BE(src, 0);
    tcp.writeUInt16BE(dst, 2);
    tcp.writeUInt32BE(s.fromServer ? seq.server : seq.client, 4);
    tcp.writeUInt32BE(s.fromServer ? seq.client : seq.server, 8);
    tcp[12] = 0x50;
    tcp[13] = 0x18; // PSH, ACK
    tcp.writeUInt16BE(65535, 14);
    if (s.fromServer) seq.server += s.payload.length;
    else seq.client += s.payload.length;
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(1_764_633_600 + i, 0);
    rec.writeUInt32LE(total, 8);
    rec.writeUInt32LE(total, 12);
    parts.push(rec, ip, tcp, s.payload);
  });
  return Buffer.concat(parts);
}
