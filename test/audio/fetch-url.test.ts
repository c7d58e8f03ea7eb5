import assert from 'node:assert/strict'
import type { LookupAddress } from 'node:dns'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { DisallowedAddressError, guardedLookup, isDisallowedAddress, type Resolver } from '../../src/audio/address-policy.ts'
import { fetchAudioUrl, type FetchAudioOptions } from '../../src/audio/fetch-url.ts'
import { isAppError } from './helpers.ts'

const PAYLOAD = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 251))

let server: Server
let base: string
/** Called when a request reaches /hang, so a test can act once the request is provably in flight. */
let onHang: (() => void) | undefined

function route (req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x')
  const hops = /^\/r\/(\d+)$/.exec(url.pathname)
  if (url.pathname === '/ok') {
    res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': PAYLOAD.length }).end(PAYLOAD)
  } else if (hops !== null) {
    const n = Number(hops[1])
    // Alternate absolute and relative Location headers.
    res.writeHead(n % 2 === 0 ? 302 : 307, { location: n === 1 ? '/ok' : n % 2 === 0 ? `${base}/r/${n - 1}` : String(n - 1) }).end()
  } else if (url.pathname === '/loop') {
    res.writeHead(301, { location: '/loop' }).end()
  } else if (url.pathname === '/to-ftp') {
    res.writeHead(302, { location: 'ftp://127.0.0.1/file.wav' }).end()
  } else if (url.pathname === '/big-declared') {
    res.writeHead(200, { 'content-length': 10_000 })
    res.write(PAYLOAD.subarray(0, 100)) // then stall: the size check must not wait for the body
  } else if (url.pathname === '/big-streamed') {
    res.writeHead(200) // chunked, no content-length
    for (let i = 0; i < 5; i++) res.write(PAYLOAD.subarray(0, 600))
    res.end()
  } else if (url.pathname === '/hang') {
    onHang?.()
  } else if (url.pathname === '/slow-body') {
    res.writeHead(200, { 'content-length': PAYLOAD.length })
    res.write(PAYLOAD.subarray(0, 10))
  } else if (url.pathname === '/short-body') {
    res.writeHead(200, { 'content-length': PAYLOAD.length })
    res.end(PAYLOAD.subarray(0, 10))
    res.socket?.destroy()
  } else {
    res.writeHead(404).end('not found')
  }
}

const opts = (over: Partial<FetchAudioOptions> = {}): FetchAudioOptions =>
  ({ maxBytes: 1_000_000, timeoutMs: 10_000, maxRedirects: 5, allowPrivate: true, ...over })

before(async () => {
  server = createServer(route)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

after(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

describe('fetchAudioUrl (allowPrivate: true, local server)', () => {
  it('downloads the body', async () => {
    const bytes = await fetchAudioUrl(`${base}/ok`, opts())
    assert.ok(bytes instanceof Uint8Array)
    assert.deepEqual(Buffer.from(bytes), PAYLOAD)
  })

  it('follows a redirect chain with absolute and relative locations', async () => {
    assert.deepEqual(Buffer.from(await fetchAudioUrl(`${base}/r/4`, opts({ maxRedirects: 4 }))), PAYLOAD)
  })

  it('refuses more redirects than allowed', async () => {
    await assert.rejects(fetchAudioUrl(`${base}/r/4`, opts({ maxRedirects: 3 })), isAppError(400, /Too many redirects.*limit is 3/))
    await assert.rejects(fetchAudioUrl(`${base}/loop`, opts({ maxRedirects: 5 })), isAppError(400, /Too many redirects/))
    await assert.rejects(fetchAudioUrl(`${base}/r/1`, opts({ maxRedirects: 0 })), isAppError(400, /Too many redirects/))
  })

  it('re-checks the scheme of every redirect hop', async () => {
    await assert.rejects(fetchAudioUrl(`${base}/to-ftp`, opts()), isAppError(400, /scheme "ftp"/))
  })

  it('refuses a body whose declared length is over the limit without reading it', async () => {
    await assert.rejects(fetchAudioUrl(`${base}/big-declared`, opts({ maxBytes: 1000 })), isAppError(400, /too large.*limit is 1000 bytes.*declares 10000/))
  })

  it('refuses a streamed body once it passes the limit', async () => {
    await assert.rejects(fetchAudioUrl(`${base}/big-streamed`, opts({ maxBytes: 1000 })), isAppError(400, /too large.*sent more than that/))
    assert.equal((await fetchAudioUrl(`${base}/big-streamed`, opts({ maxBytes: 3000 }))).length, 3000)
  })

  it('times out on a server that never answers, and on a body that never finishes', async () => {
    await assert.rejects(fetchAudioUrl(`${base}/hang`, opts({ timeoutMs: 150 })), isAppError(400, /Timed out.*150 ms/))
    await assert.rejects(fetchAudioUrl(`${base}/slow-body`, opts({ timeoutMs: 150 })), isAppError(400, /Timed out/))
  })

  it('reports the upstream status', async () => {
    await assert.rejects(fetchAudioUrl(`${base}/missing`, opts()), isAppError(400, /HTTP status 404/))
  })

  it('reports a body cut short', async () => {
    await assert.rejects(fetchAudioUrl(`${base}/short-body`, opts()), isAppError(400, /could not be fetched/))
  })

  it('reports a refused connection', async () => {
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const port = (probe.address() as AddressInfo).port
    await new Promise((resolve) => probe.close(resolve))
    await assert.rejects(fetchAudioUrl(`http://127.0.0.1:${port}/`, opts()), isAppError(400, /refused/))
  })

  it('stops when the caller aborts, with the caller\'s reason', async () => {
    const controller = new AbortController()
    const reason = new Error('client disconnected')
    onHang = () => controller.abort(reason)
    try {
      await assert.rejects(fetchAudioUrl(`${base}/hang`, opts({ signal: controller.signal })), (err) => err === reason)
    } finally {
      onHang = undefined
    }
    await assert.rejects(fetchAudioUrl(`${base}/ok`, opts({ signal: AbortSignal.abort(reason) })), (err) => err === reason)
  })
})

describe('fetchAudioUrl (allowPrivate: false)', () => {
  const strict = opts({ allowPrivate: false })

  it('refuses loopback IP literals before connecting', async () => {
    await assert.rejects(fetchAudioUrl(`${base}/ok`, strict), isAppError(400, /127\.0\.0\.1.*private, loopback or reserved/))
    await assert.rejects(fetchAudioUrl('http://[::1]/', strict), isAppError(400, /::1.*private/))
    await assert.rejects(fetchAudioUrl('http://[::ffff:127.0.0.1]/', strict), isAppError(400, /private/))
    // The WHATWG parser turns these spellings into 127.0.0.1 / 169.254.169.254 before we look.
    await assert.rejects(fetchAudioUrl('http://0x7f.1/', strict), isAppError(400, /private/))
    await assert.rejects(fetchAudioUrl('http://2852039166/latest/meta-data/', strict), isAppError(400, /169\.254\.169\.254/))
  })

  it('refuses a hostname that resolves to loopback (localhost)', async () => {
    const port = (server.address() as AddressInfo).port
    await assert.rejects(fetchAudioUrl(`http://localhost:${port}/ok`, strict), isAppError(400, /localhost resolves to .*private/))
  })

  it('refuses non-http schemes and garbage', async () => {
    await assert.rejects(fetchAudioUrl('ftp://example.com/a.wav', strict), isAppError(400, /scheme "ftp".*http and https/))
    await assert.rejects(fetchAudioUrl('file:///etc/passwd', strict), isAppError(400, /scheme "file"/))
    await assert.rejects(fetchAudioUrl('not a url', strict), isAppError(400, /not a valid URL/))
  })

  it('reports a host that does not resolve (stub resolver: no DNS traffic)', async () => {
    const nxdomain: Resolver = (host, _options, cb) => cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }), [])
    await assert.rejects(fetchAudioUrl('http://no-such-host.invalid/a.wav', { ...strict, resolve: nxdomain }), isAppError(400, /host no-such-host\.invalid could not be resolved/))
  })

  it('refuses a name whose DNS answer is private, checking the answer it connects with', async () => {
    // A rebinding-style name: whatever it resolved to earlier, the one answer used for the socket is 10.0.0.7.
    const rebound: Resolver = (_host, _options, cb) => cb(null, [{ address: '10.0.0.7', family: 4 }])
    await assert.rejects(fetchAudioUrl('http://rebind.example.test/a.wav', { ...strict, resolve: rebound }), isAppError(400, /rebind\.example\.test resolves to 10\.0\.0\.7/))
  })
})

describe('address policy', () => {
  it('classifies addresses', () => {
    const blocked = ['127.0.0.1', '127.255.0.9', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.0.1', '169.254.169.254',
      '100.64.0.1', '100.127.255.255', '0.0.0.0', '224.0.0.251', '255.255.255.255', '::1', '::', 'fc00::1', 'fd00:ec2::254',
      'fe80::1', 'fe80::1%eth0', 'ff02::1', '::ffff:127.0.0.1', '::ffff:a9fe:a9fe', '0:0:0:0:0:ffff:10.1.2.3', '::10.0.0.1',
      '64:ff9b::7f00:1', 'not-an-ip']
    const allowed = ['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '192.169.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8',
      '64:ff9b::808:808', '2a00:1450:4001:80b::200e']
    for (const a of blocked) assert.equal(isDisallowedAddress(a), true, `${a} should be blocked`)
    for (const a of allowed) assert.equal(isDisallowedAddress(a), false, `${a} should be allowed`)
  })

  const answering = (addresses: LookupAddress[]): Resolver => (_host, _options, cb) => cb(null, addresses)
  const lookupVia = async (resolver: Resolver, all: boolean): Promise<unknown> =>
    await new Promise((resolve, reject) => {
      guardedLookup(resolver)('example.test', { all }, (err, address, family) => (err === null ? resolve({ address, family }) : reject(err)))
    })

  it('guardedLookup refuses a host if any of its addresses is private (no partial pass, no second resolution)', async () => {
    const mixed = answering([{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.7', family: 4 }])
    await assert.rejects(lookupVia(mixed, true), (err) => err instanceof DisallowedAddressError && err.address === '10.0.0.7')
    await assert.rejects(lookupVia(mixed, false), DisallowedAddressError)
  })

  it('guardedLookup answers in both callback shapes with exactly the addresses it checked', async () => {
    const good = [{ address: '93.184.216.34', family: 4 }, { address: '2606:2800:220:1::1', family: 6 }]
    assert.deepEqual(await lookupVia(answering(good), true), { address: good, family: undefined })
    assert.deepEqual(await lookupVia(answering(good), false), { address: '93.184.216.34', family: 4 })
    await assert.rejects(lookupVia(answering([]), false), (err: NodeJS.ErrnoException) => err.code === 'ENOTFOUND')
  })
})
