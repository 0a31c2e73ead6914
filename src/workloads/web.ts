import { Task, type Domain } from "../host/domain.js";
import type { NetBackend } from "../net/netback.js";
import type { Packet, PacketSink } from "../net/packet.js";
import { SEC, type Engine, type Nanos } from "../sim/engine.js";
import type { SimEvent } from "../sim/event-queue.js";
import type { Random } from "../sim/rng.js";
import { Timer } from "../sim/timer.js";
import { DELAYED_ACK, HEADERS, INITIAL_CWND, MAX_CWND, RtoEstimator, SYN_RETRIES, SYN_RTO } from "./tcp.js";

/** Wire size of a typical GET request's payload. */
const GET_BYTES = 120;


export interface WebCostsRun {
  requestBase: Nanos;
  requestPerKB: Nanos;
  mss: number;
  quickAckSegments: number;
  listenBacklog: number;
  /** Server processes (Apache MaxClients): each holds one connection from accept to close. */
  maxClients: number;
}

export interface WebConfig {
  /** New connections per second (one request each), as httperf --rate. */
  rate: number;
  fileSize: number;
  /** httperf --timeout: a reply not complete this long after the connection began is a client-timo (Infinity: none). */
  timeout: Nanos;
  start: Nanos;
  /** Stop opening connections after this long (Infinity: until the run ends). */
  duration: Nanos;
}

/** REQACK: the server kernel's delayed ACK of a request the application has not answered yet. */
type Kind = "SYN" | "SYNACK" | "ACK" | "GET" | "REQACK" | "DATA" | "FIN" | "RST";



interface Segment {
  conn: Connection;
  kind: Kind;
  /** DATA/FIN: segment number (FIN is number `segments`); ACK: next segment expected. */
  seq: number;
}

/** One httperf connection carrying one request, with both ends' TCP state. */
class Connection {
  // client (external, httperf) side
  established = false;
  /** Next segment the client expects (cumulative ACK number). */
  rcvNext = 0;
  unackedAtClient = 0;
  replied = false;
  finished = false;
  requestAcked = false;
  resetSent = false;
  clientTimer: SimEvent | undefined;
  timeoutTimer: SimEvent | undefined;
  synTries = 0;
  synSentAt: Nanos = 0;
  readonly clientRto = new RtoEstimator();
  // server (guest) side
  server: "closed" | "synrcvd" | "established" | "processing" | "sending" | "done" = "closed";
  requestReceived = false;
  /** A server process has accepted this connection and holds it until it closes. */
  accepted = false;
  sndUna = 0;
  sndNxt = 0;
  cwnd = INITIAL_CWND;
  ssthresh = MAX_CWND;
  /** Highest segment number sent so far + 1; anything below it sent again is a retransmission. */
  sentHigh = 0;
  /**
   * Send time of each segment's first transmission, and whether it was ever resent
   * (Karn). Allocated when the reply starts: an overloaded server has many connections
   * waiting for a SYN-ACK, and they should cost little memory.
   */
  sentAt: Float64Array | null = null;
  resent: Uint8Array | null = null;
  readonly serverRto = new RtoEstimator();
  synAckSentAt: Nanos = 0;
  rtoBackoff = 1;
  /** The server's retransmission timer; the workload sets its handler. */
  readonly rto: Timer;
  delayedAck: SimEvent | undefined;

  constructor(
    readonly startedAt: Nanos,
    readonly segments: number,
    readonly lastSegmentBytes: number,
    engine: Engine,
    onRto: (conn: Connection) => void,
  ) {
    this.rto = new Timer(engine, () => onRto(this));
  }
}

/** httperf's view of the load: what its summary prints. */
export class WebStats {
  connections = 0;
  /** Replies completed so far (the simulation reads it at every XenMon sample). */
  replies = 0;
  clientTimo = 0;
  /** Connections given up after the last SYN retry went unanswered (Linux: ETIMEDOUT). */
  connFailed = 0;
  /** Server-side: SYNs refused because the listen backlog was full. */
  backlogDrops = 0;
}

/**
 * An httperf-like open-loop client against a web server in a guest. Every request is a
 * TCP-like exchange whose packets cross the IDD in both directions:
 *   client → guest (rx): SYN, ACK, GET, ACKs of data, ACK of the server's FIN, FIN
 *   guest → client (tx): SYN-ACK, data segments, FIN, the last ACK
 * Losses (a full NIC ring, a ShareGuard filter) are repaired as TCP would: SYN retry
 * after 3 s, go-back-N retransmission after a 200 ms RTO with exponential backoff.
 */
export class WebWorkload {
  readonly stats = new WebStats();
  private readonly segments: number;
  private readonly lastSegmentBytes: number;
  /** Established connections waiting for a server process (the listen backlog). */
  private readonly acceptQueue: Connection[] = [];
  private busyWorkers = 0;
  private readonly toServer: PacketSink = { deliver: (p) => this.atServer(p.payload as Segment) };
  private readonly toClient: PacketSink = { deliver: (p) => this.atClient(p.payload as Segment) };

  constructor(
    private readonly engine: Engine,
    private readonly net: NetBackend,
    private readonly guest: Domain,
    private readonly cfg: WebConfig,
    private readonly costs: WebCostsRun,
    private readonly rand: Random,
  ) {
    this.segments = Math.max(1, Math.ceil(cfg.fileSize / costs.mss));
    this.lastSegmentBytes = cfg.fileSize - (this.segments - 1) * costs.mss;
  }

  start(): void {
    const gap = SEC / this.cfg.rate;
    const first = this.cfg.start + this.rand() * gap;
    const end = this.cfg.start + this.cfg.duration;
    const open = (t: Nanos): void => {
      if (t >= end) return;
      this.engine.at(Math.round(t), () => {
        this.connect();
        open(t + gap);
      });
    };
    open(first);
  }

  // ---- client (httperf) side -------------------------------------------------------

  private connect(): void {
    const conn = new Connection(this.engine.now, this.segments, this.lastSegmentBytes, this.engine, this.serverRtoFired);
    this.stats.connections++;
    if (Number.isFinite(this.cfg.timeout)) conn.timeoutTimer = this.engine.after(this.cfg.timeout, () => this.clientTimeout(conn));
    this.sendSyn(conn);
  }

  private sendSyn(conn: Connection): void {
    if (conn.synTries > SYN_RETRIES) {
      // Linux gives up after tcp_syn_retries: connect() fails and httperf counts an error.
      this.stats.connFailed++;
      conn.finished = true;
      this.engine.cancel(conn.timeoutTimer);
      return;
    }
    conn.synTries++;
    conn.synSentAt = this.engine.now;
    this.toGuest(conn, "SYN", 0, HEADERS);
    this.engine.cancel(conn.clientTimer);
    conn.clientTimer = this.engine.after(SYN_RTO * 2 ** (conn.synTries - 1), () => this.sendSyn(conn));
  }

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
        this.sendGet(conn);
        return;
      case "DATA":
        this.clientData(conn, seg.seq);
        return;
      case "FIN":
        if (seg.seq !== conn.rcvNext) {
          this.toGuest(conn, "ACK", conn.rcvNext, HEADERS); // a gap before the FIN
          return;
        }
        conn.rcvNext = seg.seq + 1;
        this.replyComplete(conn);
        this.toGuest(conn, "ACK", conn.rcvNext, HEADERS);
        this.sendFin(conn, 0);
        return;
      case "ACK":
        // The server's ACK of our FIN: the connection is closed at both ends.
        conn.finished = true;
        this.engine.cancel(conn.clientTimer);
        return;
    }
  }

  private sendGet(conn: Connection): void {
    this.toGuest(conn, "GET", 0, HEADERS + GET_BYTES);
    this.engine.cancel(conn.clientTimer);
    // Retransmit the request until the first byte of the reply shows it arrived.
    conn.clientTimer = this.engine.after(conn.clientRto.rto(SYN_RTO), () => {
      if (conn.rcvNext === 0 && !conn.requestAcked && !conn.finished) this.sendGet(conn);
    });
  }

  private clientData(conn: Connection, seq: number): void {
    if (seq !== conn.rcvNext) {
      // Out of order or a duplicate: discard, and ACK what we have at once.
      this.toGuest(conn, "ACK", conn.rcvNext, HEADERS);
      return;
    }
    this.engine.cancel(conn.clientTimer);
    conn.rcvNext++;
    conn.unackedAtClient++;
    // Linux quick-ack mode ACKs every segment at first, then every second one; the last
    // segment of a reply (PSH) is ACKed at once.
    const last = conn.rcvNext === conn.segments;
    if (conn.rcvNext <= this.costs.quickAckSegments || conn.unackedAtClient >= 2 || last) {
      conn.unackedAtClient = 0;
      this.toGuest(conn, "ACK", conn.rcvNext, HEADERS);
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
    this.engine.cancel(conn.timeoutTimer);
    this.stats.replies++;
  }

  private clientTimeout(conn: Connection): void {
    if (conn.replied) return;
    this.stats.clientTimo++;
    conn.finished = true;
    this.engine.cancel(conn.clientTimer);
    // httperf closes the socket; with the exchange unfinished the kernel sends a reset.
    if (conn.established) {
      conn.resetSent = true;
      this.toGuest(conn, "RST", 0, HEADERS);
    }
  }

  private toGuest(conn: Connection, kind: Kind, seq: number, size: number): void {
    const seg: Segment = { conn, kind, seq };
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
        else if (conn.server === "sending") this.serverAck(conn, seg.seq);
        return;
      case "GET":
        // The request also completes the handshake if the client's ACK was lost.
        if (conn.server === "synrcvd") this.established(conn);
        if (conn.requestReceived) return;
        conn.requestReceived = true;
        if (conn.server === "established" && conn.accepted) this.serveRequest(conn);
        return;
      case "FIN":
        // The client's FIN also acknowledges everything it received.
        if (conn.server === "sending") this.serverAck(conn, conn.segments + 1);
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

  /** The application reads the request, then writes the file: guest CPU, base + per KB. */
  private serveRequest(conn: Connection): void {
    conn.server = "processing";
    // If the reply does not start within the delayed-ACK timeout, the kernel ACKs the request.
    conn.delayedAck = this.engine.after(DELAYED_ACK, () => {
      if (conn.server === "processing") this.toClientPkt(conn, "REQACK", 0, HEADERS);
    });
    const cost = Math.round(this.costs.requestBase + (this.costs.requestPerKB * this.cfg.fileSize) / 1024);
    this.guest.submit(new Task(cost, this.guest.id, this.requestServed, conn));
  }

  private readonly requestServed = (conn: Connection): void => {
    // A reset may have arrived while the request was being processed: the work is lost.
    if (conn.server !== "processing") return;
    conn.server = "sending";
    this.engine.cancel(conn.delayedAck);
    this.trySend(conn);
  };

  /** The server side of the connection is over: its process, if it had one, is free again. */
  private close(conn: Connection): void {
    if (conn.server === "done" || conn.server === "closed") return;
    conn.server = "done";
    conn.rto.clear();
    this.engine.cancel(conn.delayedAck);
    if (conn.accepted) {
      this.busyWorkers--;
      this.acceptWaiting();
    }
  }

  /** Sends what the congestion window allows; segment number `segments` is the FIN. */
  private trySend(conn: Connection): void {
    if (conn.sentAt === null || conn.resent === null) {
      conn.sentAt = new Float64Array(conn.segments + 1);
      conn.resent = new Uint8Array(conn.segments + 1);
    }
    while (conn.sndNxt <= conn.segments && conn.sndNxt - conn.sndUna < conn.cwnd) {
      const seq = conn.sndNxt++;
      if (seq < conn.sentHigh) conn.resent[seq] = 1;
      else {
        conn.sentHigh = seq + 1;
        conn.sentAt[seq] = this.engine.now;
      }
      if (seq === conn.segments) this.toClientPkt(conn, "FIN", seq, HEADERS);
      else this.toClientPkt(conn, "DATA", seq, HEADERS + (seq === conn.segments - 1 ? conn.lastSegmentBytes : this.costs.mss));
    }
    if (!conn.rto.isSet) conn.rto.setAfter(conn.serverRto.rto(SYN_RTO) * conn.rtoBackoff);
  }

  private readonly serverRtoFired = (conn: Connection): void => {
    if (conn.server !== "sending") return;
    // Go back to the first unacknowledged segment, with a window of one.
    conn.rtoBackoff = Math.min(conn.rtoBackoff * 2, 64);
    conn.ssthresh = Math.max(2, Math.floor((conn.sndNxt - conn.sndUna) / 2));
    conn.cwnd = 1;
    conn.sndNxt = conn.sndUna;
    this.trySend(conn);
  };

  private serverAck(conn: Connection, ackNo: number): void {
    if (ackNo <= conn.sndUna) return;
    const acked = ackNo - conn.sndUna;
    conn.sndUna = ackNo;
    if (conn.resent![ackNo - 1] === 0) conn.serverRto.sample(this.engine.now - conn.sentAt![ackNo - 1]);
    if (conn.sndNxt < conn.sndUna) conn.sndNxt = conn.sndUna;
    // Slow start below ssthresh, then about one segment per window.
    const growth = conn.cwnd < conn.ssthresh ? acked : acked / conn.cwnd;
    conn.cwnd = Math.min(conn.cwnd + growth, MAX_CWND);
    conn.rtoBackoff = 1;
    conn.rto.clear();
    if (conn.sndUna > conn.segments) {
      this.close(conn); // everything including our FIN is acknowledged
      return;
    }
    this.trySend(conn);
  }

  private toClientPkt(conn: Connection, kind: Kind, seq: number, size: number): void {
    const seg: Segment = { conn, kind, seq };
    this.net.sendFromGuest({ guest: this.guest.id, dir: "tx", size, sink: this.toClient, payload: seg });
  }
}
