/**
 * Which network addresses URL ingest may connect to. Loopback, private (RFC 1918), carrier-grade NAT,
 * unique-local IPv6, link-local (which holds the cloud metadata services at 169.254.169.254 and
 * fd00:ec2::254), multicast, documentation and reserved ranges are refused unless an allow-list entry
 * (INGEST_ALLOW_HOSTS) names the host or covers the address. Checked on resolved addresses, so a public
 * name that resolves to a private address is refused too.
 */
import { BlockList, isIP, isIPv4 } from 'node:net';

const BLOCKED_V4: [string, number][] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // RFC 1918
  ['100.64.0.0', 10], // carrier-grade NAT (also Alibaba Cloud metadata 100.100.100.200)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata 169.254.169.254
  ['172.16.0.0', 12], // RFC 1918
  ['192.0.0.0', 24], // IETF protocol assignments (Oracle Cloud metadata 192.0.0.192)
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // RFC 1918
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];
const BLOCKED_V6: [string, number][] = [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local (fd00:ec2::254 is the AWS metadata service)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // deprecated site-local
  ['ff00::', 8], // multicast
];

/** Names of metadata services, refused before any DNS lookup whatever they resolve to. */
const BLOCKED_NAMES = new Set(['metadata.google.internal', 'metadata.goog', 'metadata.azure.com', 'instance-data', 'instance-data.ec2.internal']);

const blocked = new BlockList();
for (const [address, prefix] of BLOCKED_V4) blocked.addSubnet(address, prefix, 'ipv4');
for (const [address, prefix] of BLOCKED_V6) blocked.addSubnet(address, prefix, 'ipv6');

export class AddressPolicy {
  private readonly allowedNames = new Set<string>();
  private readonly allowedSuffixes: string[] = [];
  private readonly allowedAddresses = new BlockList();

  /** `allow`: host names, `*.domain` wildcards, IP addresses and CIDR ranges (see INGEST_ALLOW_HOSTS). */
  constructor(allow: readonly string[] = []) {
    for (const raw of allow) {
      const entry = raw.trim().toLowerCase();
      if (!entry) continue;
      const [address, prefix] = entry.split('/');
      const family = isIP(address);
      if (family) {
        const type = family === 4 ? 'ipv4' : 'ipv6';
        if (prefix === undefined) this.allowedAddresses.addAddress(address, type);
        else this.allowedAddresses.addSubnet(address, Number(prefix), type);
      } else if (entry.startsWith('*.')) {
        this.allowedSuffixes.push(entry.slice(1));
      } else {
        this.allowedNames.add(entry);
      }
    }
  }

  static fromList(list: string | undefined): AddressPolicy {
    return new AddressPolicy((list ?? '').split(','));
  }

  /** True when the allow-list names this host, so its addresses are not checked. */
  allowsName(hostname: string): boolean {
    const name = hostname.toLowerCase().replace(/\.$/, '');
    return this.allowedNames.has(name) || this.allowedSuffixes.some((suffix) => name.endsWith(suffix));
  }

  /** Why a host name is refused before lookup (a metadata service name), or undefined. */
  nameRefusal(hostname: string): string | undefined {
    const name = hostname.toLowerCase().replace(/\.$/, '');
    if (this.allowsName(name)) return undefined;
    return BLOCKED_NAMES.has(name) ? `${name} is a cloud metadata service` : undefined;
  }

  /** Why a resolved address is refused, or undefined when it may be reached. */
  addressRefusal(address: string): string | undefined {
    const plain = unwrapMappedV4(address);
    const type = isIPv4(plain) ? 'ipv4' : 'ipv6';
    if (this.allowedAddresses.check(plain, type)) return undefined;
    if (blocked.check(plain, type)) return `${address} is a loopback, private, link-local or reserved address`;
    return undefined;
  }
}

/**
 * IPv6 forms that carry an IPv4 address (`::ffff:127.0.0.1`, NAT64 `64:ff9b::7f00:1`, IPv4-compatible
 * `::7f00:1`) are judged by that IPv4 address.
 */
function unwrapMappedV4(address: string): string {
  if (isIPv4(address)) return address;
  const words = expandV6(address);
  if (!words) return address;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  const zeros = (n: number) => words.slice(0, n).every((w) => w === 0);
  if (zeros(5) && words[5] === 0xffff) return v4(words[6], words[7]);
  if (words[0] === 0x64 && words[1] === 0xff9b && words.slice(2, 6).every((w) => w === 0)) return v4(words[6], words[7]);
  if (zeros(6) && (words[6] !== 0 || words[7] > 1)) return v4(words[6], words[7]);
  return address;
}

/** Eight 16-bit words of an IPv6 address (dotted IPv4 tail allowed), or undefined. */
function expandV6(address: string): number[] | undefined {
  if (isIP(address) !== 6) return undefined;
  let text = address.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1].split('.').map(Number);
    text = text.slice(0, dotted.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const parse = (part: string | undefined) => (part ? part.split(':').map((w) => parseInt(w, 16)) : []);
  const first = parse(head);
  const last = parse(tail);
  const fill = tail === undefined ? [] : new Array(8 - first.length - last.length).fill(0);
  const words = [...first, ...fill, ...last];
  return words.length === 8 ? words : undefined;
}
