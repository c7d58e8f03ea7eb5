/**
 * Which IP addresses a server-side fetch of a client-supplied URL may connect to (SSRF guard), and a DNS lookup
 * that enforces it. Built on node:net's BlockList; IPv6 forms that embed an IPv4 address are unwrapped first so
 * `::ffff:127.0.0.1` or `64:ff9b::a9fe:a9fe` cannot smuggle a blocked IPv4 destination through the IPv6 list.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOptions } from 'node:dns'
import { BlockList, isIP, type LookupFunction } from 'node:net'

const blockedV4 = new BlockList()
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"; 0.0.0.0 reaches the local host on Linux
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, incl. cloud metadata 169.254.169.254
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4] // reserved, incl. broadcast
] as const) blockedV4.addSubnet(net, prefix, 'ipv4')

const blockedV6 = new BlockList()
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['100::', 64], // discard-only
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // deprecated site-local
  ['ff00::', 8] // multicast
] as const) blockedV6.addSubnet(net, prefix, 'ipv6')

/** The eight 16-bit groups of an IPv6 address (zone id dropped), or undefined if it does not parse. */
function ipv6Groups (address: string): number[] | undefined {
  let text = address.split('%')[0]!.toLowerCase()
  const tail: number[] = []
  const dotted = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text)
  if (dotted !== null) {
    const b = dotted.slice(2).map(Number)
    tail.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!)
    text = dotted[1]!
    if (!text.endsWith('::')) text = text.slice(0, -1)
  }
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((h) => (/^[0-9a-f]{1,4}$/.test(h) ? parseInt(h, 16) : NaN)))
  const left = parse(halves[0]!)
  const right = halves.length === 2 ? parse(halves[1]!) : []
  const fill = halves.length === 2 ? 8 - tail.length - left.length - right.length : 0
  if (fill < 0) return undefined
  const groups = [...left, ...new Array<number>(fill).fill(0), ...right, ...tail]
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : undefined
}

/** The IPv4 address carried by an IPv4-mapped, IPv4-compatible or NAT64 (64:ff9b::/96) IPv6 address. */
function embeddedIpv4 (address: string): string | undefined {
  const g = ipv6Groups(address)
  if (g === undefined) return undefined
  const zeros = (from: number, to: number): boolean => g.slice(from, to).every((x) => x === 0)
  const mapped = zeros(0, 5) && g[5] === 0xffff
  const compatible = zeros(0, 6) && (g[6] !== 0 || g[7]! > 1) // not :: or ::1
  const nat64 = g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)
  if (!mapped && !compatible && !nat64) return undefined
  return [g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8, g[7]! & 0xff].join('.')
}

/** True for loopback, private, link-local, CGNAT, multicast, reserved and unparseable addresses. */
export function isDisallowedAddress (address: string): boolean {
  const family = isIP(address.split('%')[0]!)
  if (family === 4) return blockedV4.check(address, 'ipv4')
  if (family !== 6) return true
  const v4 = embeddedIpv4(address)
  if (v4 !== undefined) return blockedV4.check(v4, 'ipv4')
  return blockedV6.check(address.split('%')[0]!, 'ipv6')
}

/** Raised by guardedLookup; carries the offending address for the error message. */
export class DisallowedAddressError extends Error {
  readonly hostname: string
  readonly address: string
  constructor (hostname: string, address: string) {
    super(`${hostname} resolves to ${address}, a private or reserved address`)
    this.name = 'DisallowedAddressError'
    this.hostname = hostname
    this.address = address
  }
}

export type Resolver = (hostname: string, options: LookupAllOptions, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void

/**
 * A `lookup` for net/http/https that resolves every address of the host and fails if any is disallowed. Because
 * the socket connects to exactly the addresses this returns, there is no second resolution a DNS-rebinding
 * server could answer differently: check and connect use the same answer. Refusing on *any* bad address (rather
 * than filtering) also stops a host that mixes public and private records.
 */
export function guardedLookup (resolve: Resolver = dnsLookup): LookupFunction {
  return (hostname: string, options: LookupOptions, callback) => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err !== null) { callback(err, ''); return }
      const bad = addresses.find((a) => isDisallowedAddress(a.address))
      if (bad !== undefined) { callback(new DisallowedAddressError(hostname, bad.address), ''); return }
      const first = addresses[0]
      if (first === undefined) {
        callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '')
        return
      }
      if (options.all === true) callback(null, addresses)
      else callback(null, first.address, first.family)
    })
  }
}
