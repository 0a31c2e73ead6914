import { Task, type Domain } from "../host/domain.js";
import type { NetBackend } from "../net/netback.js";
import type { Packet, PacketSink } from "../net/packet.js";
import { SEC, type Engine, type Nanos } from "../sim/engine.js";
import type { SimEvent } from "../sim/event-queue.js";
import type { Random } from "../sim/rng.js";
import { DELAYED_ACK, HEADERS, MAX_CWND, RtoEstimator, SYN_RETRIES, SYN_RTO } from "./tcp.js";
import { Arrival, Reassembly, TcpSender } from "./tcp-flow.js";

/** Wire size of a typical GET request's payload. */
const GET_BYTES = 120;

/**
 * A stock httperf of the paper's time (0.8) waits on its sockets with select(), so it
 * caps its open descriptors at FD_SETSIZE = 1024 whatever the ulimit ("warning: open
 * file limit > FD_SETSIZE; limiting max. # of open files to FD_SETSIZE"); stdin, stdout
 * and stderr take three. Beyond that socket() fails and httperf counts an fd-unavail error.
 */
export const HTTPERF_MAX_OPEN = 1021;

export interface WebCostsRun {
  requestBase: Nanos;
  requestPerKB: Nanos;
  mss: number;
  quickAckSegments: number;
  listenBacklog: number;
  /** Server processes (Apache MaxClients): each holds one connection from accept to close. */
  maxClients: number;
}

/**
 * How httperf opens connections. Open loop (`rate`): at a fixed rate, whatever becomes of
 * the ones before, as httperf --rate (or, `exponential`, with exponentially distributed
 * gaps of the same mean, as httperf --period=e). Closed loop (`clients`): each client
 * opens a connection, waits until it ends (its reply is in, it timed out or it failed),
 * thinks for an exponentially distributed time of mean `thinkTime`, and opens the next;
 * one client with no think time is an httperf with --rate 0, which opens each
 * connection once the previous one is done.
 */
export type WebLoad = { rate: number; exponential?: boolean } | { clients: number; thinkTime: Nanos };

export interface WebConfig {
  load: WebLoad;
  fileSize: number;
  /** httperf --timeout: a reply not complete this long after the connection began is a client-timo (Infinity: none). */
  timeout: Nanos;
  start: Nanos;
  /** Stop opening connections after this long (Infinity: until the run ends). */
  duration: Nanos;
  /**
   * Most connections httperf holds open at once (HTTPERF_MAX_OPEN for a stock httperf);
   * an attempt beyond it fails at once, before any packet, as an fd-unavail error. Closed
   * loop: unused, as each client holds one connection.
   */
  maxOpen: number;
}

/** REQACK: the server kernel's delayed ACK of a request the application has not answered yet. */
type Kind = "SYN" | "SYNACK" | "ACK" | "GET" | "REQACK" | "DATA" | "FIN" | "RST";

interface Segment {
  conn: Connection;
  kind: Kind;
  /** DATA/FIN: segment number (FIN is number `segments`); ACK: next segment expected. */
  seq: number;
  /** ACK: a segment the client holds beyond a gap (its newest SACK block), or -1. */
  sack: number;
  /** TCP timestamp: DATA/FIN its send time; ACK the echoed one (-1: none). */
  ts: Nanos;
}

/** One httperf connection carrying one request, with both ends' TCP state. */
class Connection {
  // client (external, httperf) side
  established = false;
  unackedAtClient = 0;
  replied = false;
  finished = false;
  requestAcked = false;
  resetSent = false;
  clientTimer: SimEvent | undefined;
  timeoutTimer: SimEvent | undefined;
  synTries = 0;
  synSentAt: Nanos = 0;
  // server (guest) side
  server: "closed" | "synrcvd" | "established" | "processing" | "sending" | "done" = "closed";
  requestReceived = false;
  /** A server process has accepted this connection and holds it until it closes. */
  accepted = false;
  synAckSentAt: Nanos = 0;
  /**
   * The reply's sender (data segments, then the FIN). Made when the reply starts: an
   * overloaded server has many connections waiting for a SYN-ACK, and they should cost
   * little memory.
   */
  sender: TcpSender | null = null;
  delayedAck: SimEvent | undefined;
  // Made on first use, like `sender`: a connection whose SYNs go unanswered never needs them.
  private receivedState: Reassembly | null = null;
  private clientRtoState: RtoEstimator | null = null;
  private serverRtoState: RtoEstimator | null = null;

  constructor(
    readonly startedAt: Nanos,
    readonly segments: number,
    readonly lastSegmentBytes: number,
  ) {}

  /** The reply as the client's TCP reassembles it; the FIN is segment number `segments`. */
  get received(): Reassembly {
    return (this.receivedState ??= new Reassembly());
  }

  get clientRto(): RtoEstimator {
    return (this.clientRtoState ??= new RtoEstimator());
  }

  /** Seeded with the handshake's round trip, then used by the reply's sender. */
  get serverRto(): RtoEstimator {
    return (this.serverRtoState ??= new RtoEstimator());
  }
}

/** httperf's histogram of connection lifetimes: 1 ms bins up to 100 s (BIN_WIDTH, MAX_LIFETIME). */
const LIFETIME_BIN: Nanos = 1e6;
const LIFETIME_BINS = 100_000;

/**
 * httperf's "Connection time [ms]" for the connections whose reply completes between
 * `from` and `to`: the time from connect() to the last byte of the reply. Kept as
 * httperf keeps it, a count, sums and a histogram, so memory does not grow with the run.
 */
export class ConnectionTimes {
  count = 0;
  private sum = 0;
  max = 0;
  private readonly bins = new Uint32Array(LIFETIME_BINS);

  constructor(
    private readonly from: Nanos = 0,
    private readonly to: Nanos = Infinity,
  ) {}

  add(now: Nanos, lifetime: Nanos): void {
    if (now < this.from || now > this.to) return;
    this.count++;
    this.sum += lifetime;
    if (lifetime > this.max) this.max = lifetime;
    this.bins[Math.min(LIFETIME_BINS - 1, Math.floor(lifetime / LIFETIME_BIN))]++;
  }

  /** Mean lifetime in ns (0 with no connection). */
  get mean(): Nanos {
    return this.count > 0 ? this.sum / this.count : 0;
  }

  /** httperf's median: the middle of the bin where half the lifetimes are reached. */
  get median(): Nanos {
    return this.quantile(0.5);
  }

  /**
   * The middle of the bin where a fraction `q` of the lifetimes are reached, as httperf
   * reads its median off the histogram (0 with no connection). httperf prints no other
   * quantile; the 90th and 99th are for response-time goals.
   */
  quantile(q: number): Nanos {
    let n = 0;
    for (let i = 0; i < LIFETIME_BINS; i++) {
      n += this.bins[i];
      if (n > 0 && n >= this.count * q) return (i + 0.5) * LIFETIME_BIN;
    }
    return 0;
  }
}

/** httperf's view of the load: what its summary prints. */
export class WebStats {
  /** Connections httperf tried to open, fd-unavail ones included (its "Total: connections"). */
  connections = 0;
  /** Replies completed so far (the simulation reads it at every XenMon sample). */
  replies = 0;
  clientTimo = 0;
  /** Connections given up after the last SYN retry went unanswered (Linux: ETIMEDOUT). */
  connFailed = 0;
  /** Connections httperf could not open: its descriptors were all in use (fd-unavail). */
  fdUnavail = 0;
  /** Server-side: SYNs refused because the listen backlog was full. */
  backlogDrops = 0;

  /** Sum of every completed connection's time so far, ns (the series read it at every XenMon sample). */
  connectionTimeTotal = 0;

  constructor(readonly connectionTimes: ConnectionTimes = new ConnectionTimes()) {}
}

/**
 * An httperf-like client, open or closed loop (WebLoad), against a web server in a guest. Every request is a
 * TCP-like exchange whose packets cross the IDD in both directions:
 *   client → guest (rx): SYN, ACK, GET, ACKs of data, ACK of the server's FIN, FIN
 *   guest → client (tx): SYN-ACK, data segments, FIN, the last ACK
 * Losses (a full NIC ring or netback queue, a ShareGuard filter) are repaired as Linux
 * 2.6 would: SYN retry after 3 s; for the reply, SACK-based fast retransmit and a
 * retransmission timeout of at least 200 ms with exponential backoff (TcpSender).
 */
export class WebWorkload {
  readonly stats: WebStats;
  private readonly segments: number;
  private readonly lastSegmentBytes: number;
  /** Established connections waiting for a server process (the listen backlog). */
  private readonly acceptQueue: Connection[] = [];
  private busyWorkers = 0;
  /** Connections httperf holds a descriptor for: from connect() until it closes the socket. */
  private open = 0;
  private readonly toServer: PacketSink = { deliver: (p) => this.atServer(p.payload as Segment) };
  private readonly toClient: PacketSink = { deliver: (p) => this.atClient(p.payload as Segment) };

  constructor(
    private readonly engine: Engine,
    private readonly net: NetBackend,
    private readonly guest: Domain,
    private readonly cfg: WebConfig,
    private readonly costs: WebCostsRun,
    private readonly rand: Random,
    /** Connection times are gathered for replies completing in this part of the run. */
    window: { from: Nanos; to: Nanos } = { from: 0, to: Infinity },
  ) {
    this.stats = new WebStats(new ConnectionTimes(window.from, window.to));
    this.segments = Math.max(1, Math.ceil(cfg.fileSize / costs.mss));
    this.lastSegmentBytes = cfg.fileSize - (this.segments - 1) * costs.mss;
  }

  start(): void {
    const load = this.cfg.load;
    if ("clients" in load) {
      // Every client thinks before its first connection too, so that they start apart.
      for (let i = 0; i < load.clients; i++) this.engine.at(this.cfg.start + this.exponential(load.thinkTime), this.clientConnects);
      return;
    }
    const gap = SEC / load.rate;
    // httperf --period=e draws each gap from an exponential distribution of the same mean.
    const next = load.exponential ? () => this.exponential(gap) : () => gap;
    const first = this.cfg.start + this.rand() * gap;
    const end = this.cfg.start + this.cfg.duration;
    const open = (t: Nanos): void => {
      if (t >= end) return;
      this.engine.at(Math.round(t), () => {
        this.connect();
        open(t + next());
      });
    };
    open(first);
  }

  /** A closed-loop client's next connection, unless the client's time is over. */
  private readonly clientConnects = (): void => {
    if (this.engine.now < this.cfg.start + this.cfg.duration) this.connect();
  };

  /** An exponentially distributed time of mean `mean` (a think time, an open loop's gap), in whole ns. */
  private exponential(mean: Nanos): Nanos {
    return mean === 0 ? 0 : Math.round(-mean * Math.log(1 - this.rand()));
  }

  /**
   * httperf is done with a connection (its reply is in, it timed out, or it failed): its
   * descriptor is free, and a closed-loop client goes on to think and connect again.
   */
  private released(): void {
    this.open--;
    const load = this.cfg.load;
    if ("clients" in load) this.engine.at(this.engine.now + this.exponential(load.thinkTime), this.clientConnects);
  }

  // ---- client (httperf) side -------------------------------------------------------

  private connect(): void {
    this.stats.connections++;
    if (this.open >= this.cfg.maxOpen && !("clients" in this.cfg.load)) {
      this.stats.fdUnavail++;
      return;
    }
    this.open++;
    const conn = new Connection(this.engine.now, this.segments, this.lastSegmentBytes);
    if (Number.isFinite(this.cfg.timeout)) conn.timeoutTimer = this.engine.after(this.cfg.timeout, () => this.clientTimeout(conn));
    this.sendSyn(conn);
  }

  private sendSyn(conn: Connection): void {
    if (conn.synTries > SYN_RETRIES) {
      // Linux gives up after tcp_syn_retries: connect() fails and httperf counts an error.
      this.stats.connFailed++;
      this.released();
      conn.finished = true;
      this.engine.cancel(conn.timeoutTimer);
      return;
    }
    conn.synTries++;
    conn.synSentAt = this.engine.now;
    this.toGuest(conn, "SYN", 0, HEADERS);
    this.engine.cancel(conn.clientTimer);
    conn.clientTimer = this.engine.schedule(this.engine.now + SYN_RTO * 2 ** (conn.synTries - 1), this.synTimerFired, conn);
  }

  /** Made once: an overloaded server keeps thousands of clients retrying their SYNs. */
  private readonly synTimerFired = (conn: Connection): void => this.sendSyn(conn);

  private atClient(seg: Segment): void {
    const conn = seg.conn;
    if (conn.finished) {
      // httperf has closed this socket: the kernel answers the server with a reset.
      if (!conn.replied && !conn.resetSent && seg.kind !== "ACK") {
        conn.resetSent = true;
        this.toGuest(conn, "RST", 0, HEADERS);
      }
      return;
    }
    switch (seg.kind) {
      case "REQACK":
        conn.requestAcked = true;
        return;
      case "SYNACK":
        if (conn.established) return;
        conn.established = true;
        if (conn.synTries === 1) conn.clientRto.sample(this.engine.now - conn.synSentAt);
        this.toGuest(conn, "ACK", 0, HEADERS);
        this.sendGet(conn, 0);
        return;
      case "DATA":
      case "FIN":
        this.clientData(conn, seg.seq, seg.ts);
        return;
      case "ACK":
        // The server's ACK of our FIN: the connection is closed at both ends.
        conn.finished = true;
        this.engine.cancel(conn.clientTimer);
        return;
    }
  }

  private sendGet(conn: Connection, tries: number): void {
    this.toGuest(conn, "GET", 0, HEADERS + GET_BYTES);
    this.engine.cancel(conn.clientTimer);
    // Retransmit the request, backing off, until an ACK or the reply shows it arrived.
    conn.clientTimer = this.engine.after(conn.clientRto.rto(SYN_RTO) * 2 ** Math.min(tries, 6), () => {
      if (conn.received.rcvNext === 0 && !conn.requestAcked && !conn.finished) this.sendGet(conn, tries + 1);
    });
  }

  private clientData(conn: Connection, seq: number, ts: Nanos): void {
    if (!conn.replied) this.engine.cancel(conn.clientTimer); // the reply has begun: the request got through
    const arrival = conn.received.accept(seq, ts);
    const rcvNext = conn.received.rcvNext;
    if (arrival === Arrival.Duplicate || arrival === Arrival.OutOfOrder) {
      // ACK at once, reporting the segment held beyond the gap (SACK).
      this.toGuest(conn, "ACK", rcvNext, HEADERS, arrival === Arrival.OutOfOrder ? seq : -1);
      return;
    }
    if (rcvNext > conn.segments) {
      // The FIN is in: the reply is complete, and httperf closes its end.
      this.replyComplete(conn);
      this.toGuest(conn, "ACK", rcvNext, HEADERS);
      this.sendFin(conn, 0);
      return;
    }
    conn.unackedAtClient++;
    // Linux quick-ack mode ACKs every segment at first, then every second one; the last
    // segment of a reply (PSH), and one that closes a gap, are ACKed at once.
    const last = rcvNext === conn.segments;
    if (arrival === Arrival.FilledGap || rcvNext <= this.costs.quickAckSegments || conn.unackedAtClient >= 2 || last) {
      conn.unackedAtClient = 0;
      this.toGuest(conn, "ACK", rcvNext, HEADERS);
    }
  }

  private sendFin(conn: Connection, tries: number): void {
    this.toGuest(conn, "FIN", 0, HEADERS);
    conn.clientTimer = this.engine.after(conn.clientRto.rto(SYN_RTO) * 2 ** tries, () => {
      if (!conn.finished && tries < 6) this.sendFin(conn, tries + 1);
    });
  }

  private replyComplete(conn: Connection): void {
    if (conn.replied) return;
    conn.replied = true;
    this.released(); // httperf closes the socket once the reply is in
    this.engine.cancel(conn.timeoutTimer);
    this.stats.replies++;
    const lifetime = this.engine.now - conn.startedAt;
    this.stats.connectionTimes.add(this.engine.now, lifetime);
    this.stats.connectionTimeTotal += lifetime;
  }

  private clientTimeout(conn: Connection): void {
    if (conn.replied) return;
    this.stats.clientTimo++;
    this.released();
    conn.finished = true;
    this.engine.cancel(conn.clientTimer);
    // httperf closes the socket; with the exchange unfinished the kernel sends a reset.
    if (conn.established) {
      conn.resetSent = true;
      this.toGuest(conn, "RST", 0, HEADERS);
    }
  }

  private toGuest(conn: Connection, kind: Kind, seq: number, size: number, sack = -1): void {
    const seg: Segment = { conn, kind, seq, sack, ts: kind === "ACK" ? conn.received.tsRecent : -1 };
    const pkt: Packet = { guest: this.guest.id, dir: "rx", size, sink: this.toServer, payload: seg };
    this.net.sendFromOutside(pkt);
  }

  // ---- server (guest) side ---------------------------------------------------------

  private atServer(seg: Segment): void {
    const conn = seg.conn;
    switch (seg.kind) {
      case "SYN":
        if (conn.server === "closed") {
          if (this.acceptQueue.length >= this.costs.listenBacklog) {
            this.stats.backlogDrops++; // Linux drops the SYN; the client will retry
            return;
          }
          conn.server = "synrcvd";
        }
        if (conn.server === "synrcvd") {
          conn.synAckSentAt = this.engine.now;
          this.toClientPkt(conn, "SYNACK", 0, HEADERS);
        }
        return;
      case "ACK":
        if (conn.server === "synrcvd") this.established(conn);
        else if (conn.server === "sending") this.serverAck(conn, seg.seq, seg.sack, seg.ts);
        return;
      case "GET":
        // The request also completes the handshake if the client's ACK was lost.
        if (conn.server === "synrcvd") this.established(conn);
        if (conn.requestReceived) {
          // A retransmitted request: the kernel ACKs the duplicate at once.
          if (this.replyPending(conn)) this.toClientPkt(conn, "REQACK", 0, HEADERS);
          return;
        }
        conn.requestReceived = true;
        // The kernel ACKs the request unless the reply starts within the delayed-ACK
        // timeout; the connection may still be waiting in the listen backlog for a process.
        conn.delayedAck = this.engine.after(DELAYED_ACK, () => {
          if (this.replyPending(conn)) this.toClientPkt(conn, "REQACK", 0, HEADERS);
        });
        if (conn.server === "established" && conn.accepted) this.serveRequest(conn);
        return;
      case "FIN":
        // The client's FIN also acknowledges everything it received.
        if (conn.server === "sending") this.serverAck(conn, conn.segments + 1, -1, seg.ts);
        if (conn.server === "done") this.toClientPkt(conn, "ACK", 0, HEADERS);
        return;
      case "RST":
        this.close(conn);
        return;
    }
  }

  private established(conn: Connection): void {
    conn.server = "established";
    conn.serverRto.sample(this.engine.now - conn.synAckSentAt);
    this.acceptQueue.push(conn);
    this.acceptWaiting();
  }

  /** Free server processes take connections from the listen backlog, oldest first. */
  private acceptWaiting(): void {
    while (this.busyWorkers < this.costs.maxClients && this.acceptQueue.length > 0) {
      const conn = this.acceptQueue.shift()!;
      if (conn.server !== "established") continue; // reset while it waited
      conn.accepted = true;
      this.busyWorkers++;
      if (conn.requestReceived) this.serveRequest(conn);
    }
  }

  /** The request is in, and no byte of the reply has left yet. */
  private replyPending(conn: Connection): boolean {
    return conn.server === "established" || conn.server === "processing";
  }

  /** The application reads the request, then writes the file: guest CPU, base + per KB. */
  private serveRequest(conn: Connection): void {
    conn.server = "processing";
    const cost = Math.round(this.costs.requestBase + (this.costs.requestPerKB * this.cfg.fileSize) / 1024);
    this.guest.submit(new Task(cost, this.guest.id, this.requestServed, conn));
  }

  private readonly requestServed = (conn: Connection): void => {
    // A reset may have arrived while the request was being processed: the work is lost.
    if (conn.server !== "processing") return;
    conn.server = "sending";
    this.engine.cancel(conn.delayedAck);
    const transmit = (seq: number): void => this.sendSegment(conn, seq);
    conn.sender = new TcpSender(this.engine, { segments: conn.segments + 1, maxWindow: MAX_CWND }, transmit, conn.serverRto);
    conn.sender.send();
  };

  /** The server side of the connection is over: its process, if it had one, is free again. */
  private close(conn: Connection): void {
    if (conn.server === "done" || conn.server === "closed") return;
    conn.server = "done";
    conn.sender?.stop();
    this.engine.cancel(conn.delayedAck);
    if (conn.accepted) {
      this.busyWorkers--;
      this.acceptWaiting();
    }
  }

  /** Segment number `segments` is the FIN. */
  private sendSegment(conn: Connection, seq: number): void {
    if (seq === conn.segments) this.toClientPkt(conn, "FIN", seq, HEADERS);
    else this.toClientPkt(conn, "DATA", seq, HEADERS + (seq === conn.segments - 1 ? conn.lastSegmentBytes : this.costs.mss));
  }

  private serverAck(conn: Connection, ackNo: number, sack: number, tsEcho: Nanos): void {
    const sender = conn.sender!;
    sender.onAck(ackNo, sack, tsEcho);
    if (sender.done) this.close(conn); // everything including our FIN is acknowledged
  }

  private toClientPkt(conn: Connection, kind: Kind, seq: number, size: number): void {
    const seg: Segment = { conn, kind, seq, sack: -1, ts: this.engine.now };
    this.net.sendFromGuest({ guest: this.guest.id, dir: "tx", size, sink: this.toClient, payload: seg });
  }
}
