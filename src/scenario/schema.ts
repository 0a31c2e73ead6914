import * as z from "zod";
import { MAX_REQUEST_BYTES } from "../block/blkback.js";
import { creditPerInterval, MAX_VIF_CREDIT } from "../net/vif-credit.js";
import { PROFILES } from "../profiles/profiles.js";
import { parseBandwidth, parseDuration, parsePercent, parseRate, parseSize, type Parsed } from "./units.js";

/**
 * The scenario file format. Quantities are written with units ("10ms", "10KB", "22%");
 * each is parsed into the model's base unit (ns, bytes, fraction, per second) here, so
 * the rest of xeniso never sees a string. Objects are strict: a typo'd key is an error.
 */

function quantity(parse: (v: unknown) => Parsed, description: string) {
  return z
    .union([z.string(), z.number()])
    .describe(description)
    .transform((v, ctx) => {
      const r = parse(v);
      if (r.ok) return r.value;
      ctx.addIssue({ code: "custom", message: r.message });
      return z.NEVER;
    });
}

function bounded(
  parse: (v: unknown) => Parsed,
  description: string,
  min: number,
  max: number,
  show: (n: number) => string,
  minInclusive = true,
) {
  return quantity(parse, description).check((ctx) => {
    const v = ctx.value;
    const tooSmall = minInclusive ? v < min : v <= min;
    if (tooSmall || v > max) {
      ctx.issues.push({
        code: "custom",
        input: v,
        message: `must be ${minInclusive ? "at least" : "more than"} ${show(min)} and at most ${show(max)}`,
      });
    }
  });
}

const ms = (n: number) => `${n / 1e6}ms`;
const s = (n: number) => `${n / 1e9}s`;
const pct = (n: number) => `${+(n * 100).toFixed(6)}%`;

export const Duration = (min: number, max: number, minInclusive = true) =>
  bounded(parseDuration, "duration, e.g. \"10ms\", \"2.5s\"", min, max, (n) => (n >= 1e9 ? s(n) : ms(n)), minInclusive);
const Size = (min: number, max: number) =>
  bounded(parseSize, "size, e.g. \"256B\", \"10KB\"", min, max, (n) => `${n}B`);
const Percent = (min: number, max: number, minInclusive = true) =>
  bounded(parsePercent, "percentage, e.g. \"22%\"", min, max, pct, minInclusive);
const Rate = (min: number, max: number) =>
  bounded(parseRate, "rate per second, e.g. 400 or \"10k/s\"", min, max, (n) => `${n}/s`, false);

const CpuWorkload = z.strictObject({
  type: z.literal("cpu").describe("always runnable: a CPU-bound batch job"),
});

const UdpWorkload = z.strictObject({
  type: z.literal("udp"),
  direction: z.enum(["send", "recv"]).describe("send: the guest sends; recv: the guest receives"),
  rate: Rate(0, 2_000_000).describe("packets per second"),
  size: Size(64, 1500).describe("UDP packet size on the wire"),
});

const WebWorkload = z.strictObject({
  type: z.literal("web"),
  rate: Rate(0, 100_000).optional().describe("open loop: new connections per second, one request each (httperf --rate); give this or clients"),
  arrivals: z
    .enum(["fixed", "exponential"])
    .optional()
    .describe("open loop: the gaps between connections, fixed at 1/rate (httperf --rate, the default) or exponentially distributed with that mean (httperf --period=e), which breaks the lock-step of a periodic load with the schedulers' ticks"),
  clients: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .optional()
    .describe("closed loop: this many clients, each opening a connection, waiting until it ends, thinking, then opening the next (each an httperf with --rate 0); give this or rate"),
  thinkTime: Duration(0, 3600e9)
    .optional()
    .describe("closed loop: each client's mean think time between one connection's end and its next, drawn from an exponential distribution (default 0: back to back)"),
  fileSize: Size(1, 100 * 1024 * 1024).describe("size of the file every request fetches"),
  timeout: Duration(1e6, 3600e9).optional().describe("httperf --timeout: a reply not complete by then is a client-timo (default: none, as httperf)"),
  start: Duration(0, 3600e9).prefault("0s").describe("when the client starts"),
  duration: Duration(1e6, 3600e9).optional().describe("how long it opens connections (default: to the end of the run)"),
  maxOpen: z
    .number()
    .int()
    .min(1)
    .max(1e9)
    .optional()
    .describe("most connections httperf holds open at once; beyond it an attempt fails as fd-unavail (default 1021: a stock httperf's FD_SETSIZE of 1024 less stdin, stdout and stderr)"),
});

const BulkWorkload = z.strictObject({
  type: z.literal("bulk").describe("a greedy TCP-like transfer between the guest and an external machine"),
  direction: z.enum(["send", "recv"]).default("send").describe("send: the guest uploads (default); recv: it downloads"),
  start: Duration(0, 3600e9).prefault("0s"),
  duration: Duration(1e6, 3600e9).optional().describe("default: to the end of the run"),
  window: Size(1500, 64 * 1024 * 1024).prefault("128KB").describe("largest TCP window (Linux 2.6.16 tcp_wmem max: 128KB)"),
  cpuPerSegment: Duration(0, 1e9)
    .prefault("0us")
    .describe("the application's own guest CPU per data segment, e.g. an encrypting copy: each new segment is produced before it is sent (send), or processed once it has arrived (recv); default 0"),
});

const DiskWorkload = z.strictObject({
  type: z.literal("disk").describe("beyond the paper: the guest reads from its virtual disk, as fio would, through the IDD's blkback"),
  size: Size(512, 16 * 1024 * 1024)
    .check((ctx) => {
      if (ctx.value % 512 !== 0) ctx.issues.push({ code: "custom", input: ctx.value, message: "must be a whole number of 512-byte sectors" });
    })
    .describe(`bytes per read (fio --bs); blkfront makes requests of at most ${MAX_REQUEST_BYTES / 1024}KB (Xen 3.0's 11 segments of 4 KB) of a larger one`),
  op: z.enum(["read", "write"]).default("read").describe("read or write (fio --rw); the disk takes as long for either (its write cache off, an assumption), and blkback submits writes as asynchronous WRITEs"),
  access: z.enum(["sequential", "random"]).describe("sequential: each request follows on from the last, and needs no seek if the disk served that one just before; random: each needs positioning"),
  rate: Rate(0, 1_000_000).optional().describe("open loop: requests per second (fio --rate_iops); give this or depth"),
  depth: z.number().int().min(1).max(128).optional().describe("closed loop: requests kept outstanding, each completion issuing the next (fio --iodepth); give this or rate"),
  start: Duration(0, 3600e9).prefault("0s"),
  duration: Duration(1e6, 3600e9).optional().describe("how long it issues requests (default: to the end of the run)"),
  ioPriority: z
    .number()
    .int()
    .min(0)
    .max(7)
    .optional()
    .describe("under host.disk.elevator: cfq, the best-effort I/O priority of the guest's blkback thread (ionice -c2 -n): 0 highest, 7 lowest, default 4; a higher priority has longer turns, and guests at different priorities write through different queues"),
});

export const Workload = z.discriminatedUnion("type", [CpuWorkload, UdpWorkload, WebWorkload, BulkWorkload, DiskWorkload]);

const VifSpec = z
  .strictObject({
    rate: bounded(parseBandwidth, "bandwidth, e.g. \"10Mb/s\" (bits) or \"1.25MB/s\" (bytes)", 0, 1e12, (n) => `${n}B/s`, false).describe(
      "the most the guest may send through netback, as Xen's vif rate=: \"10Mb/s\" (bits) or \"1.25MB/s\" (bytes), K, M and G being powers of 1000",
    ),
    interval: Duration(1_000, 4_294_967_295_000).prefault("50ms").describe("how often netback adds a chunk of rate · interval bytes of credit (Xen's rate=…@50ms; default 50ms, as xend's)"),
  })
  .check((ctx) => {
    const bytes = creditPerInterval(ctx.value.rate, ctx.value.interval);
    if (bytes < 1 || bytes > MAX_VIF_CREDIT) {
      ctx.issues.push({
        code: "custom",
        input: ctx.value,
        path: ["rate"],
        message: `rate × interval is ${bytes} bytes of credit per interval: it must be 1 byte to 2^32 − 1 (xend would fall back to no limit)`,
      });
    }
  })
  .describe("beyond the paper: the guest's vif is rate-limited by netback's credit scheduler (its transmit only), e.g. { rate: 10Mb/s }");

const DomainSpec = z.strictObject({
  name: z.string().min(1).max(64).regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, '-', '_' and '.' only"),
  cpu: z
    .union([z.number().int().min(0).max(255), z.literal("any")])
    .default(0)
    .describe("physical CPU the VCPU is pinned to, or any: unpinned, balanced across the CPUs by the credit scheduler"),
  idd: z.boolean().default(false).describe("this domain hosts a network driver (a net-IDD) with a NIC of its own, and blkback with a disk for its guests' disk workloads"),
  netIdd: z
    .string()
    .min(1)
    .optional()
    .describe("a guest's net-IDD: the domain (idd: true) whose NIC and netback carry its traffic (default: the first domain with idd: true)"),
  share: Percent(0, 1).optional().describe("guaranteed CPU share: slice = share × period"),
  slice: Duration(0, 10e9).optional(),
  period: Duration(100_000, 10e9).optional().describe("SEDF period (default 10ms)"),
  extratime: z.boolean().default(false).describe("may use slack beyond the reservation"),
  weight: z.number().int().min(1).max(65535).optional().describe("credit scheduler: the domain's weight against the others' (default 256, as Xen's)"),
  cap: Percent(0, 1)
    .check((ctx) => {
      if (Math.abs(ctx.value * 100 - Math.round(ctx.value * 100)) > 1e-9) {
        ctx.issues.push({ code: "custom", input: ctx.value, message: "must be a whole percentage: Xen's cap is an integer number of percent" });
      }
    })
    .optional()
    .describe("credit scheduler: the most CPU the domain may use, e.g. 60%; 0% for none, as in Xen (default: its share when extratime is off, else none)"),
  workload: Workload.optional(),
  vif: VifSpec.optional(),
});

const SchedulerType = z.enum(["sedf", "sedf-dc", "credit", "credit-dc"]);

const SchedulerSpec = z.strictObject({
  type: SchedulerType.default("sedf").describe(
    "sedf (the paper's Xen 3.0), sedf-dc (§4.1), credit (Xen's credit scheduler, beyond the paper: domains' weight and cap) or credit-dc (credit paying XenMon's estimate out of its earnings)",
  ),
  cpuTypes: z
    .record(z.string(), SchedulerType)
    .optional()
    .describe("a scheduler per CPU, where it differs from type (the paper's §8 future work: different schedulers for different domains; Xen's later cpupools), e.g. { 1: credit }; the other settings are shared"),
  pools: z
    .array(z.array(z.number().int().min(0).max(1023)).min(1))
    .min(1)
    .optional()
    .describe("credit: CPUs grouped into pools, each with a credit accounting of its own (Xen's later cpupools), e.g. [[0], [1]]; the CPUs of a pool run one scheduler, credit or credit-dc; CPUs in no pool share one accounting per scheduler type (the default)"),
  feedbackInterval: Duration(1e6, 60e9).prefault("500ms").describe("SEDF-DC and Credit-DC: how often XenMon's estimate is charged as debt; also how often a share policy is asked"),
  spreadDebt: z.boolean().default(true).describe("SEDF-DC: spread debt over the periods of one feedback interval"),
  migrationDelay: Duration(0, 10e9)
    .prefault("0us")
    .describe("credit: an unpinned domain that left its CPU less than this long ago is not taken by another (Xen's vcpu_migration_delay, default 0)"),
  creditVersion: z
    .enum(["later", "xen-3.0"])
    .default("later")
    .describe("credit: which sched_credit.c: later (time-based accounting, boost for waking domains, caps by pausing; default) or xen-3.0 (the first, of the paper's time: the domain running at each 10 ms tick pays for the whole tick, no boost, a capped domain in debt parked behind the idle one)"),
  debtPolicy: z
    .string()
    .min(1)
    .optional()
    .describe("sedf-dc and credit-dc, beyond the paper: a JavaScript module (.mjs) of your own that decides, every feedback interval, how much debt to add to each guest from XenMon's figures, in place of the paper's rule (all of the estimate; docs/policies.md; a relative path is read from the scenario file's folder)"),
  debtOptions: z.unknown().optional().describe("anything, handed to the debt policy module as it is (context.options)"),
  sharePolicy: z
    .string()
    .min(1)
    .optional()
    .describe("beyond the paper: a JavaScript module (.mjs) of your own that may set any domain's CPU share every feedback interval from XenMon's figures (a slice under sedf, a cap under credit), as an operator's tool would (docs/policies.md; a relative path is read from the scenario file's folder)"),
  shareOptions: z.unknown().optional().describe("anything, handed to the share policy module as it is (context.options)"),
  unblock: z
    .enum(["paper", "xen-3.0"])
    .default("paper")
    .describe("a domain waking before its deadline: paper (§4.1 step 6) resumes its slice; xen-3.0 (sched_sedf.c) waits for its next period and is repaid in penalty extra time"),
});

const ShareGuardSpec = z.strictObject({
  enabled: z.boolean().default(true),
  interval: Duration(1e6, 60e9).prefault("500ms").describe("how often ShareGuard evaluates XenMon's figures (t)"),
  limits: z.record(z.string(), Percent(0, 1, false)).describe("per guest: the most IDD CPU it may cause, e.g. Domain-3: 5%"),
  action: z
    .enum(["cut", "throttle"])
    .default("cut")
    .describe("cut (the paper's): a guest over its limit has all its traffic stopped for t_def; throttle (beyond the paper): every interval a guest may cause at most its limit of IDD time, by XenMon's cost per packet, and packets past that are dropped"),
  policy: z
    .string()
    .min(1)
    .optional()
    .describe("beyond the paper: a JavaScript module (.mjs) of your own that decides, every interval, which guests in limits to cut or throttle, in place of the paper's rule (docs/policies.md; a relative path is read from the scenario file's folder)"),
  options: z.unknown().optional().describe("anything, handed to the policy module as it is (context.options)"),
});

const XenMonSpec = z.strictObject({
  interval: Duration(1e6, 10e9).prefault("100ms").describe("sampling interval"),
  weight: z.number().min(0.01).max(100).optional().describe("send/receive cost weight (default: the profile's calibrated value)"),
  blockWeight: z
    .number()
    .min(0)
    .max(1000)
    .optional()
    .describe("beyond the paper: what one block request blkback answers counts for, against one received packet, when XenMon charges an IDD's CPU to its guests (default 0: the paper's XenMon counts packets only, so the IDD's block work is charged to guests by their packets)"),
});

const Count = (min: number, max: number) => z.number().int().min(min).max(max);

/**
 * Overrides of the host profile's parameters (docs/parameters.md has every default and
 * where it came from), for studies beyond the paper: how a result moves when one
 * assumption does. Each key replaces the profile's value; the rest stay.
 */
const HostSpec = z
  .strictObject({
    iddRx: Duration(0, 1e9, false).optional().describe("IDD time to receive one packet for a guest: NIC driver + netback"),
    iddTx: Duration(0, 1e9, false).optional().describe("IDD time to transmit one packet from a guest: netback + NIC driver"),
    iddBatchCost: Duration(0, 1e9).optional().describe("IDD time per batch: paid when packet work reaches an IDD with none queued (default 0)"),
    iddRxDriverShare: Percent(0, 1).optional().describe("part of iddRx spent in the NIC driver and bridge, before netback's filter"),
    guestRx: Duration(0, 1e9).optional().describe("guest time to take one packet up its stack"),
    guestTx: Duration(0, 1e9).optional().describe("guest time to push one packet down its stack"),
    nicRxRing: Count(1, 1_000_000).optional().describe("NIC receive descriptors: a full ring drops arriving packets"),
    netdevBudget: Count(1, 1e9).optional().describe("driver packets the IDD takes in a row before netback's waiting work gets a turn (Linux's netdev_budget: 300)"),
    netfrontRing: Count(1, 1_000_000).optional().describe("netfront ring slots: receive buffers a guest keeps posted, and transmit requests"),
    linkRate: z.number().min(1e6).max(1e12).optional().describe("link speed in bit/s, e.g. 1e9"),
    linkPropagation: Duration(0, 1e9).optional().describe("one-way link delay"),
    runVariation: Percent(0, 1).optional().describe("run-to-run coefficient of variation of the IDD's per-packet costs"),
    web: z
      .strictObject({
        requestBase: Duration(0, 10e9).optional().describe("web server CPU per request, whatever its size"),
        requestPerKB: Duration(0, 1e9).optional().describe("web server CPU per KB served"),
        listenBacklog: Count(1, 65_535).optional().describe("completed connections waiting for a server process"),
        maxClients: Count(1, 100_000).optional().describe("server processes (Apache MaxClients)"),
        quickAckSegments: Count(0, 10_000).optional().describe("segments the client ACKs one by one before ACKing every second one"),
      })
      .optional(),
    disk: z
      .strictObject({
        iddSubmit: Duration(0, 1e9).optional().describe("IDD time for blkback to take a request off the ring and submit it, besides its pages"),
        iddPerPage: Duration(0, 1e9).optional().describe("IDD time per 4 KB page of a request"),
        iddComplete: Duration(0, 1e9).optional().describe("IDD time when the disk is done: the interrupt and the response"),
        guestPerRequest: Duration(0, 1e9).optional().describe("guest time per request, when it takes the response"),
        ring: Count(1, 1024).optional().describe("requests a guest may have on its blkif ring (Xen 3.0: 32)"),
        maxPending: Count(1, 100_000).optional().describe("requests blkback has taken off all the rings and not yet answered (Xen 3.0's MAX_PENDING_REQS: 64)"),
        positioning: Duration(0, 1e9).optional().describe("the disk's seek and rotation for a request that does not follow on from the one before"),
        transferRate: z.number().min(1e3).max(1e12).optional().describe("the disk's media rate in bytes/s, e.g. 60e6"),
        elevator: z
          .enum(["noop", "cfq"])
          .optional()
          .describe("Domain-0's I/O scheduler: noop (arrival order; what Xen 3.0's one blkback thread amounts to) or cfq (one queue per guest served in time slices, as once each guest has a blkback thread of its own)"),
        cfqSlice: Duration(1e6, 10e9).optional().describe("cfq: a guest's time slice at I/O priority 4 (Linux: 100ms)"),
        cfqSliceIdle: Duration(0, 1e9).optional().describe("cfq: how long an emptied queue keeps the disk waiting for its guest's next request (Linux: 8ms; 0: never)"),
        cfqQuantum: Count(1, 1024).optional().describe("cfq: requests a guest that does not idle may dispatch in its turn (Linux: 4)"),
        cfqSliceAsync: Duration(1e6, 10e9).optional().describe("cfq: the shared write queue's time slice at I/O priority 4 (Linux: 40ms)"),
        cfqSliceAsyncRq: Count(1, 1024).optional().describe("cfq: scales the requests a write queue may dispatch in its turn, 2 · (this + this · (7 − priority)) (Linux: 2)"),
      })
      .optional(),
  })
  .describe("overrides of the host profile's parameters, e.g. { iddRx: 12us, web: { maxClients: 50 } }");

const NetbackOrderSpec = z
  .enum(["fifo", "round-robin", "xen3"])
  .describe("how netback orders different guests' packets: fifo, round-robin, or xen3 (rx in one FIFO, tx one packet per guest in turn); default: the profile's");

/** A column of the result table: the base scenario with a few things changed. */
const VariantSpec = z.strictObject({
  name: z.string().min(1).max(40),
  scheduler: SchedulerSpec.optional().describe("replaces the base scheduler"),
  netbackOrder: NetbackOrderSpec.optional().describe("replaces the base netback order"),
  host: HostSpec.optional().describe("overrides of the host profile's parameters in this column, over the base's"),
  shareguard: ShareGuardSpec.optional().describe("replaces the base ShareGuard settings"),
  xenmon: XenMonSpec.optional().describe("replaces the base XenMon settings, e.g. { weight: 1 } to count packets unweighted"),
  withoutWorkload: z.array(z.string()).optional().describe("domains whose workload is switched off in this column"),
  workloads: z
    .record(z.string(), Workload)
    .optional()
    .describe("replaces these domains' workloads in this column, each with a whole workload (unset settings take their defaults), e.g. { Domain-3: { type: bulk, window: 1MB } }"),
  rates: z
    .record(z.string(), Rate(0, 2_000_000))
    .optional()
    .describe("replaces the rate of these domains' web, UDP or open-loop disk workloads, e.g. { Domain-1: 400 }"),
  fileSizes: z
    .record(z.string(), Size(1, 100 * 1024 * 1024))
    .optional()
    .describe("replaces the file size of these domains' web workloads, e.g. { Domain-1: 20KB }"),
  netIdds: z
    .record(z.string(), z.string().min(1))
    .optional()
    .describe("moves these guests to another net-IDD in this column, e.g. { Domain-3: Domain-4 }"),
  vifs: z
    .record(z.string(), VifSpec.nullable())
    .optional()
    .describe("replaces these guests' vif rate limits in this column (null: none), e.g. { Domain-3: { rate: 20Mb/s } }"),
  periods: z
    .record(z.string(), Duration(100_000, 10e9))
    .optional()
    .describe("replaces these domains' SEDF period, keeping their share (a slice scales with the period), e.g. { Domain-0: 100ms }"),
  figure: z
    .string()
    .regex(/^[0-9]+$/, "a figure number of the paper, e.g. \"7\"")
    .optional()
    .describe("the paper's figure whose panels this column's time series reproduce (names the SVG files)"),
  sweep: z
    .strictObject({
      figure: z.string().regex(/^[0-9]+[a-z]?$/, "a figure panel of the paper, e.g. \"6a\""),
      x: z.number().describe("this column's value on the figure's x axis"),
    })
    .optional()
    .describe("this column is one point of a figure drawn against a swept quantity (its report rows are the lines)"),
});

/** Rows of a paper table: a label, the metric that fills it, and the paper's printed value per column. */
const ReportSpec = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/),
  title: z.string(),
  columns: z.array(z.string()).min(1).optional().describe("the columns (variants) this table shows, in order (default: all)"),
  rows: z
    .array(
      z.strictObject({
        label: z.string(),
        metric: z.string().describe("metric key, e.g. Domain-1.replyRate or Domain-1.idd (docs/model.md, Measurement, lists them)"),
        paper: z.record(z.string(), z.number().nullable()).optional().describe("the paper's value per column (null: N/A)"),
      }),
    )
    .min(1),
});

export const ScenarioSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z.string().min(1),
    description: z.string().optional(),
    profile: z.enum(Object.keys(PROFILES) as [string, ...string[]]).describe("host profile: per-packet costs and machine"),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
    runs: z.number().int().min(1).max(1000).default(10),
    duration: Duration(1e6, 3600e9).describe("simulated length of one run"),
    window: z
      .strictObject({ from: Duration(0, 3600e9).prefault("0s"), to: Duration(1e6, 3600e9).optional() })
      .optional()
      .describe("the part of each run the metrics average over (default: all of it)"),
    cpus: z.number().int().min(1).max(64).optional().describe("physical CPUs (default: the profile's)"),
    netbackOrder: NetbackOrderSpec.optional(),
    host: HostSpec.optional(),
    scheduler: SchedulerSpec.prefault({}),
    xenmon: XenMonSpec.prefault({}),
    shareguard: ShareGuardSpec.optional(),
    domains: z.array(DomainSpec).min(1).max(64),
    variants: z.array(VariantSpec).min(1).max(16).optional().describe("columns of the result tables: the same host, each with these changes"),
    report: ReportSpec.optional().describe("a table in the paper's layout, with the paper's values beside ours"),
    reports: z
      .array(ReportSpec)
      .min(1)
      .max(8)
      .optional()
      .describe("further tables in the same layout, printed after `report`: e.g. figures the paper states in its text rather than in a table"),
    sweepAxis: z.string().min(1).optional().describe("title of the x axis of the variants' sweep figures, with its unit"),
  })
  .superRefine((sc, ctx) => {
    const cpus = sc.cpus ?? PROFILES[sc.profile]?.cpus ?? 1;
    /** How a message names the host's CPUs, for a CPU it lacks. */
    const hostCpus = `the host has ${cpus} CPU${cpus === 1 ? "" : "s"} (0..${cpus - 1})`;
    /** A workload that would start only once the run is over would silently do nothing; a web load is open or closed loop. */
    const checkWorkload = (w: z.output<typeof Workload> | undefined, path: (string | number)[]) => {
      if (w?.type === "disk" && w.rate === undefined && w.depth === undefined) {
        ctx.addIssue({ code: "custom", path, message: "a disk workload needs rate (open loop: requests per second, as fio --rate_iops) or depth (closed loop: requests outstanding, as fio --iodepth)" });
      }
      if (w?.type === "disk" && w.rate !== undefined && w.depth !== undefined) {
        ctx.addIssue({ code: "custom", path: [...path, "depth"], message: "give either rate (open loop) or depth (closed loop), not both" });
      }
      if ((w?.type === "web" || w?.type === "bulk" || w?.type === "disk") && w.start >= sc.duration) {
        ctx.addIssue({ code: "custom", path: [...path, "start"], message: `starts at ${s(w.start)}, when the run (${s(sc.duration)}) is over: it would never run` });
      }
      if (w?.type === "web") checkWebLoad(w, path);
    };
    /** A web client is open loop (a rate) or closed loop (clients), and each takes only its own settings. */
    const checkWebLoad = (w: WebConfigInput, path: (string | number)[]) => {
      if (w.rate === undefined && w.clients === undefined) {
        ctx.addIssue({ code: "custom", path, message: "a web workload needs rate (open loop: connections per second, as httperf --rate) or clients (closed loop)" });
      }
      if (w.rate !== undefined && w.clients !== undefined) {
        ctx.addIssue({ code: "custom", path: [...path, "clients"], message: "give either rate (open loop) or clients (closed loop), not both" });
      }
      if (w.clients !== undefined && w.arrivals !== undefined) {
        ctx.addIssue({ code: "custom", path: [...path, "arrivals"], message: "arrivals are for an open loop (rate): closed-loop clients open a connection when the last one ends and they have thought; leave arrivals out" });
      }
      if (w.clients === undefined && w.thinkTime !== undefined) {
        ctx.addIssue({ code: "custom", path: [...path, "thinkTime"], message: "a think time is for closed-loop clients: give clients, or leave thinkTime out" });
      }
      if (w.clients !== undefined && w.maxOpen !== undefined) {
        ctx.addIssue({ code: "custom", path: [...path, "maxOpen"], message: "closed-loop clients hold one connection each, so no descriptor limit applies: leave maxOpen out" });
      }
    };
    const names = new Map<string, number>();
    const guaranteed = new Map<number, number>();
    sc.domains.forEach((d, i) => {
      const at = (...p: (string | number)[]) => ["domains", i, ...p];
      const prev = names.get(d.name);
      if (prev !== undefined) ctx.addIssue({ code: "custom", path: at("name"), message: `duplicate domain name "${d.name}" (also domains[${prev}])` });
      names.set(d.name, i);
      if (d.cpu !== "any" && d.cpu >= cpus) {
        ctx.addIssue({ code: "custom", path: at("cpu"), message: `CPU ${d.cpu} does not exist: ${hostCpus}` });
      }
      if (d.idd && d.workload !== undefined) {
        ctx.addIssue({ code: "custom", path: at("workload"), message: "the IDD runs no workload of its own: put workloads in guests" });
      }
      checkWorkload(d.workload, at("workload"));
      if (d.share !== undefined && d.slice !== undefined) {
        ctx.addIssue({ code: "custom", path: at("slice"), message: "give either share or slice, not both" });
      }
      const period = d.period ?? DEFAULT_PERIOD;
      if (d.slice !== undefined && d.slice > period) {
        ctx.addIssue({ code: "custom", path: at("slice"), message: `slice ${ms(d.slice)} is longer than the period ${ms(period)}` });
        return; // its share is meaningless, so it cannot be added up below
      }
      const share = d.share ?? (d.slice ?? 0) / period;
      if (d.cpu !== "any") guaranteed.set(d.cpu, (guaranteed.get(d.cpu) ?? 0) + share);
    });
    // The scheduler each column runs on each CPU: weight and cap mean something only to
    // the credit scheduler (set where no column runs it, they would be silently ignored),
    // and SEDF schedules every CPU on its own, so only the credit scheduler moves a domain.
    const cpuList = Array.from({ length: cpus }, (_, c) => c);
    const columnSpecs = sc.variants?.length ? sc.variants.map((v) => v.scheduler ?? sc.scheduler) : [sc.scheduler];
    const typesOn = (cpu: number) => columnSpecs.map((spec) => cpuSchedulerType(spec, cpu));
    const anyCredit = cpuList.some((c) => typesOn(c).some(isCreditScheduler));
    const sedfColumn = cpuList.flatMap(typesOn).find((t) => !isCreditScheduler(t));
    if (sedfColumn !== undefined) {
      sc.domains.forEach((d, i) => {
        if (d.cpu === "any") ctx.addIssue({ code: "custom", path: ["domains", i, "cpu"], message: `an unpinned domain needs the credit scheduler on every CPU in every column, and a column runs ${sedfColumn}, which schedules each CPU on its own: pin it (cpu: 0)` });
      });
    }
    sc.domains.forEach((d, i) => {
      for (const key of ["weight", "cap"] as const) {
        if (d[key] === undefined) continue;
        if (!anyCredit) ctx.addIssue({ code: "custom", path: ["domains", i, key], message: `${key} is a credit scheduler setting, and no column runs it (scheduler: { type: credit })` });
        else if (d.cpu !== "any" && d.cpu < cpus && !typesOn(d.cpu).some(isCreditScheduler)) {
          ctx.addIssue({ code: "custom", path: ["domains", i, key], message: `${key} is a credit scheduler setting, and no column runs it on CPU ${d.cpu}` });
        }
      }
    });
    // Likewise a credit version on a scheduler that is not the credit scheduler; and CPUs a
    // spec names must exist.
    const schedulers = [{ spec: sc.scheduler, at: ["scheduler"] as (string | number)[] }];
    sc.variants?.forEach((v, i) => v.scheduler && schedulers.push({ spec: v.scheduler, at: ["variants", i, "scheduler"] }));
    for (const { spec, at } of schedulers) {
      for (const key of Object.keys(spec.cpuTypes ?? {})) {
        if (!/^\d+$/.test(key) || Number(key) >= cpus) {
          ctx.addIssue({ code: "custom", path: [...at, "cpuTypes", key], message: `no CPU ${key}: ${hostCpus}` });
        }
      }
      const types = cpuList.map((c) => cpuSchedulerType(spec, c));
      if (spec.debtPolicy !== undefined && !types.includes("sedf-dc") && !types.includes("credit-dc")) {
        ctx.addIssue({ code: "custom", path: [...at, "debtPolicy"], message: `a debt policy is for a scheduler that collects debt (sedf-dc or credit-dc), and this one runs ${[...new Set(types)].join(" and ")}` });
      }
      if (spec.debtOptions !== undefined && spec.debtPolicy === undefined) {
        ctx.addIssue({ code: "custom", path: [...at, "debtOptions"], message: "debtOptions are for a debt policy module: give scheduler.debtPolicy too" });
      }
      if (spec.shareOptions !== undefined && spec.sharePolicy === undefined) {
        ctx.addIssue({ code: "custom", path: [...at, "shareOptions"], message: "shareOptions are for a share policy module: give scheduler.sharePolicy too" });
      }
      if (spec.creditVersion !== "later" && !types.some(isCreditScheduler)) {
        ctx.addIssue({ code: "custom", path: [...at, "creditVersion"], message: `a credit scheduler setting, and this scheduler is ${spec.type}` });
      }
      // A pool is a set of CPUs under one credit scheduler, each CPU in one pool at most.
      const pooled = new Map<number, number>();
      spec.pools?.forEach((pool, k) => {
        pool.forEach((cpu, j) => {
          const issue = (message: string) => ctx.addIssue({ code: "custom", path: [...at, "pools", k, j], message });
          if (cpu >= cpus) issue(`no CPU ${cpu}: ${hostCpus}`);
          else if (pooled.has(cpu)) issue(`CPU ${cpu} is already in pool ${pooled.get(cpu)}: a CPU belongs to one pool`);
          else {
            pooled.set(cpu, k);
            // Against the pool's first CPU, unless that one is itself refused for running SEDF.
            const first = types[pool[0]];
            if (!isCreditScheduler(types[cpu])) issue(`CPU ${cpu} runs ${types[cpu]}, which schedules each CPU on its own: pools are for CPUs under credit or credit-dc`);
            else if (isCreditScheduler(first) && types[cpu] !== first) issue(`CPU ${cpu} runs ${types[cpu]} and CPU ${pool[0]} ${first}: the CPUs of a pool run one scheduler`);
          }
        });
      });
      // The credit scheduler moves an unpinned domain only within one pool: credit and
      // credit-dc side by side are two, and so are CPUs that `pools` splits.
      const poolCount = new Set(cpuList.filter((c) => isCreditScheduler(types[c])).map((c) => creditPoolOf(spec, c))).size;
      if (poolCount > 1) {
        const column = at[0] === "variants" ? `column ${sc.variants![at[1] as number].name}` : "the scheduler";
        const why = types.includes("credit") && types.includes("credit-dc") ? "runs credit and credit-dc side by side (two pools)" : `has ${poolCount} pools`;
        sc.domains.forEach((d, i) => {
          if (d.cpu === "any") ctx.addIssue({ code: "custom", path: ["domains", i, "cpu"], message: `an unpinned domain moves among the CPUs of one credit pool, and ${column} ${why}: pin it (cpu: 0)` });
        });
      }
    }
    for (const [cpu, total] of guaranteed) {
      if (total > 1 + 1e-9) {
        const first = sc.domains.findIndex((d) => d.cpu === cpu);
        ctx.addIssue({ code: "custom", path: ["domains", first, "cpu"], message: `reservations on CPU ${cpu} add up to ${pct(total)}: more than the CPU has (100%)` });
      }
    }
    const idds = sc.domains.filter((d) => d.idd).length;
    const networked = sc.domains.findIndex((d) => d.workload !== undefined && d.workload.type !== "cpu");
    /** A guest's net-IDD, given at `at`: an IDD, for a guest. */
    const checkNetIdd = (d: (typeof sc.domains)[number], iddName: string, at: (string | number)[]) => {
      const idd = sc.domains[names.get(iddName) ?? -1];
      if (d.idd) ctx.addIssue({ code: "custom", path: at, message: "a net-IDD drives its own NIC: netIdd is for guests" });
      else if (!idd) ctx.addIssue({ code: "custom", path: at, message: `no domain is named "${iddName}"` });
      else if (!idd.idd) ctx.addIssue({ code: "custom", path: at, message: `${iddName} is not a net-IDD: mark it idd: true, or name one that is` });
    };
    sc.domains.forEach((d, i) => d.netIdd !== undefined && checkNetIdd(d, d.netIdd, ["domains", i, "netIdd"]));
    /** A vif rate limit, given at `at`, needs a guest with a net-IDD to carry its traffic. */
    const checkVif = (d: (typeof sc.domains)[number], at: (string | number)[]) => {
      if (d.idd) ctx.addIssue({ code: "custom", path: at, message: "a vif's rate limits a guest's traffic through netback: an IDD has no vif of its own" });
      else if (idds === 0) ctx.addIssue({ code: "custom", path: at, message: "a vif needs a net-IDD to connect to: mark one domain idd: true" });
    };
    sc.domains.forEach((d, i) => d.vif !== undefined && checkVif(d, ["domains", i, "vif"]));
    if (networked >= 0 && idds === 0) {
      ctx.addIssue({ code: "custom", path: ["domains", networked, "workload"], message: `${needsIdd(sc.domains[networked].workload!)}: mark one domain idd: true` });
    }
    const to = sc.window?.to ?? sc.duration;
    if (to > sc.duration) ctx.addIssue({ code: "custom", path: ["window", "to"], message: "the window ends after the run does" });
    const from = sc.window?.from ?? 0;
    if (from >= to) ctx.addIssue({ code: "custom", path: ["window", "from"], message: "the window must start before it ends" });
    /** Metrics come from XenMon's samples that lie wholly in the window: it must hold one. */
    const checkWindowHoldsSample = (interval: number, path: (string | number)[]) => {
      if (from < to && to <= sc.duration && Math.floor(to / interval) - Math.ceil(from / interval) < 1) {
        const where = sc.window ? `the window (${s(from)}–${s(to)})` : `the run (${s(sc.duration)})`;
        ctx.addIssue({ code: "custom", path, message: `${where} holds no whole XenMon sample of ${ms(interval)}: nothing would be measured` });
      }
    };
    checkWindowHoldsSample(sc.xenmon.interval, sc.window ? ["window"] : ["duration"]);
    sc.variants?.forEach((v, i) => {
      if (v.xenmon && v.xenmon.interval !== sc.xenmon.interval) checkWindowHoldsSample(v.xenmon.interval, ["variants", i, "xenmon", "interval"]);
    });
    /** The net-IDD serving guest `d` in a column that moves the guests in `moved`, as the simulation attaches it. */
    const iddOf = (d: (typeof sc.domains)[number], moved: Record<string, string> = {}) => {
      const name = netIddOf(sc.domains, { ...d, netIdd: moved[d.name] ?? d.netIdd });
      return name === undefined ? undefined : sc.domains[names.get(name) ?? -1];
    };
    const checkShareGuard = (sg: z.output<typeof ShareGuardSpec> | undefined, path: (string | number)[], moved?: Record<string, string>) => {
      if (sg?.policy !== undefined && sg.action === "throttle") {
        ctx.addIssue({ code: "custom", path: [...path, "action"], message: "a policy decides its own actions (cut, throttle or vif rate): leave action out" });
      }
      if (sg?.options !== undefined && sg.policy === undefined) {
        ctx.addIssue({ code: "custom", path: [...path, "options"], message: "options are for a policy module: give shareguard.policy too" });
      }
      for (const [name, limit] of Object.entries(sg?.limits ?? {})) {
        const i = names.get(name);
        const idd = i === undefined ? undefined : iddOf(sc.domains[i], moved);
        const iddShare = idd?.idd ? (idd.share ?? (idd.slice ?? 0) / (idd.period ?? DEFAULT_PERIOD)) : 0;
        if (i === undefined) ctx.addIssue({ code: "custom", path: [...path, "limits", name], message: `no domain is named "${name}"` });
        else if (sc.domains[i].idd) ctx.addIssue({ code: "custom", path: [...path, "limits", name], message: "the IDD cannot be limited in itself: limits are for guests" });
        else if (iddShare > 0 && !idd!.extratime && limit >= iddShare) {
          ctx.addIssue({ code: "custom", path: [...path, "limits", name], message: `a limit of ${pct(limit)} is not below the IDD's own share (${pct(iddShare)}): it could never bind` });
        }
      }
    };
    checkShareGuard(sc.shareguard, ["shareguard"]);
    sc.variants?.forEach((v, i) => checkShareGuard(v.shareguard, ["variants", i, "shareguard"], v.netIdds));
    const variantNames = new Set<string>();
    sc.variants?.forEach((v, i) => {
      if (variantNames.has(v.name)) ctx.addIssue({ code: "custom", path: ["variants", i, "name"], message: `duplicate variant name "${v.name}"` });
      variantNames.add(v.name);
      v.withoutWorkload?.forEach((name, k) => {
        if (!names.has(name)) ctx.addIssue({ code: "custom", path: ["variants", i, "withoutWorkload", k], message: `no domain is named "${name}"` });
      });
      for (const [name, w] of Object.entries(v.workloads ?? {})) {
        const d = sc.domains[names.get(name) ?? -1];
        const at = ["variants", i, "workloads", name];
        checkWorkload(w, at);
        if (!d) ctx.addIssue({ code: "custom", path: at, message: `no domain is named "${name}"` });
        else if (d.idd) ctx.addIssue({ code: "custom", path: at, message: "the IDD runs no workload of its own: put workloads in guests" });
        else if (v.withoutWorkload?.includes(name)) ctx.addIssue({ code: "custom", path: at, message: `${name} is also in withoutWorkload: a column either switches a workload off or replaces it` });
        else if (w.type !== "cpu" && idds === 0) ctx.addIssue({ code: "custom", path: at, message: `${needsIdd(w)}: mark one domain idd: true` });
      }
      /** The workload a domain runs in this column, before its rate or file size changes. */
      const workloadIn = (name: string) => v.workloads?.[name] ?? sc.domains[names.get(name) ?? -1]?.workload;
      for (const name of Object.keys(v.rates ?? {})) {
        const at = ["variants", i, "rates", name];
        const w = workloadIn(name);
        const type = w?.type;
        if (!names.has(name)) ctx.addIssue({ code: "custom", path: at, message: `no domain is named "${name}"` });
        else if (type !== "web" && type !== "udp" && type !== "disk") ctx.addIssue({ code: "custom", path: at, message: `${name} has no web, UDP or disk workload whose rate could change` });
        else if (w?.type === "web" && w.clients !== undefined) {
          ctx.addIssue({ code: "custom", path: at, message: `${name}'s web clients are closed loop, with no rate to change: set their clients or thinkTime instead` });
        } else if (w?.type === "disk" && w.depth !== undefined) {
          ctx.addIssue({ code: "custom", path: at, message: `${name}'s disk load is closed loop (depth), with no rate to change: set its depth instead` });
        }
      }
      for (const name of Object.keys(v.fileSizes ?? {})) {
        const at = ["variants", i, "fileSizes", name];
        if (!names.has(name)) ctx.addIssue({ code: "custom", path: at, message: `no domain is named "${name}"` });
        else if (workloadIn(name)?.type !== "web") ctx.addIssue({ code: "custom", path: at, message: `${name} has no web workload whose file size could change` });
      }
      for (const name of Object.keys(v.periods ?? {})) {
        if (!names.has(name)) ctx.addIssue({ code: "custom", path: ["variants", i, "periods", name], message: `no domain is named "${name}"` });
      }
      for (const [name, vif] of Object.entries(v.vifs ?? {})) {
        const d = sc.domains[names.get(name) ?? -1];
        if (!d) ctx.addIssue({ code: "custom", path: ["variants", i, "vifs", name], message: `no domain is named "${name}"` });
        else if (vif !== null) checkVif(d, ["variants", i, "vifs", name]);
      }
      for (const [name, iddName] of Object.entries(v.netIdds ?? {})) {
        const d = sc.domains[names.get(name) ?? -1];
        if (!d) ctx.addIssue({ code: "custom", path: ["variants", i, "netIdds", name], message: `no domain is named "${name}"` });
        else checkNetIdd(d, iddName, ["variants", i, "netIdds", name]);
      }
      if (v.sweep && !sc.report) ctx.addIssue({ code: "custom", path: ["variants", i, "sweep"], message: "a sweep figure draws the report's rows: add a report" });
      // The column's own feedback interval against its own XenMon interval, wherever each comes from.
      const xenmon = v.xenmon ?? sc.xenmon;
      if ((v.scheduler || v.xenmon) && (v.scheduler ?? sc.scheduler).feedbackInterval % xenmon.interval !== 0) {
        const at = v.scheduler ? ["variants", i, "scheduler", "feedbackInterval"] : ["variants", i, "xenmon", "interval"];
        ctx.addIssue({ code: "custom", path: at, message: `the feedback interval must be a whole number of XenMon intervals (${ms(xenmon.interval)})` });
      }
      // ShareGuard sums whole XenMon samples too: 250ms over 100ms samples would evaluate every 300ms.
      const shareguard = v.shareguard ?? sc.shareguard;
      if ((v.shareguard || v.xenmon) && shareguard?.enabled && shareguard.interval % xenmon.interval !== 0) {
        const at = v.shareguard ? ["variants", i, "shareguard", "interval"] : ["variants", i, "xenmon", "interval"];
        ctx.addIssue({ code: "custom", path: at, message: `ShareGuard's interval must be a whole number of XenMon intervals (${ms(xenmon.interval)})` });
      }
    });
    const columns = sc.variants ? [...variantNames] : [DEFAULT_COLUMN];
    // Results name their tables by id, so two tables may not share one.
    const tableIds = new Map<string, string>([["xenmon", "the XenMon view"]]);
    const checkReport = (report: ReportConfig, at: (string | number)[], where: string) => {
      const taken = tableIds.get(report.id);
      if (taken !== undefined) ctx.addIssue({ code: "custom", path: [...at, "id"], message: `table id "${report.id}" is already used by ${taken}` });
      tableIds.set(report.id, where);
      const noColumn = (col: string) => `no column "${col}": the columns are ${columns.map((c) => `"${c}"`).join(", ")}`;
      report.columns?.forEach((col, i) => {
        if (!columns.includes(col)) ctx.addIssue({ code: "custom", path: [...at, "columns", i], message: noColumn(col) });
      });
      // An empty list is already reported; checking against it would only repeat that.
      const shown = report.columns?.length ? report.columns : columns;
      report.rows.forEach((row, i) => {
        for (const col of Object.keys(row.paper ?? {})) {
          if (!columns.includes(col)) ctx.addIssue({ code: "custom", path: [...at, "rows", i, "paper", col], message: noColumn(col) });
          else if (!shown.includes(col)) ctx.addIssue({ code: "custom", path: [...at, "rows", i, "paper", col], message: `column "${col}" is not among this table's columns` });
        }
      });
    };
    if (sc.report) checkReport(sc.report, ["report"], "report");
    sc.reports?.forEach((report, i) => checkReport(report, ["reports", i], `reports[${i}]`));
    if (sc.scheduler.feedbackInterval % sc.xenmon.interval !== 0) {
      ctx.addIssue({ code: "custom", path: ["scheduler", "feedbackInterval"], message: `must be a whole number of XenMon intervals (${ms(sc.xenmon.interval)})` });
    }
    if (sc.shareguard?.enabled && sc.shareguard.interval % sc.xenmon.interval !== 0) {
      ctx.addIssue({ code: "custom", path: ["shareguard", "interval"], message: `must be a whole number of XenMon intervals (${ms(sc.xenmon.interval)})` });
    }
  });

export const DEFAULT_PERIOD = 10_000_000;

/** Why a workload cannot run on a host without a driver domain. */
function needsIdd(w: z.output<typeof Workload>): string {
  return w.type === "disk" ? "a disk workload needs a driver domain (its blkback and disk)" : "a network workload needs a net-IDD";
}

/** Xen's credit scheduler, plain or collecting debt (Credit-DC). */
export function isCreditScheduler(type: string): boolean {
  return type === "credit" || type === "credit-dc";
}

/** The name of the net-IDD serving guest `d` (its `netIdd`, else the first domain with idd: true), or undefined for an IDD or a host without one. */
export function netIddOf(domains: Array<{ name: string; idd: boolean; netIdd?: string }>, d: { idd: boolean; netIdd?: string }): string | undefined {
  return d.idd ? undefined : (d.netIdd ?? domains.find((x) => x.idd)?.name);
}

/** The scheduler CPU `cpu` runs under `spec`: its own in `cpuTypes`, else the spec's type. */
export function cpuSchedulerType(spec: { type: SchedulerKind; cpuTypes?: Record<string, SchedulerKind> }, cpu: number): SchedulerKind {
  return spec.cpuTypes?.[String(cpu)] ?? spec.type;
}

/**
 * Which credit accounting CPU `cpu` belongs to under `spec`: its pool in `pools`, else
 * the one all CPUs of its scheduler type share. CPUs with the same key share one.
 */
export function creditPoolOf(spec: { type: SchedulerKind; cpuTypes?: Record<string, SchedulerKind>; pools?: number[][] }, cpu: number): string {
  const pool = spec.pools?.findIndex((cpus) => cpus.includes(cpu)) ?? -1;
  return pool >= 0 ? `pool ${pool}` : cpuSchedulerType(spec, cpu);
}

/** The column name of a scenario that declares no variants. */
export const DEFAULT_COLUMN = "result";

export type Scenario = z.output<typeof ScenarioSchema>;
export type DomainConfig = Scenario["domains"][number];
export type WorkloadConfig = z.output<typeof Workload>;
export type WebConfigInput = z.output<typeof WebWorkload>;
export type Variant = NonNullable<Scenario["variants"]>[number];
export type ShareGuardConfig = z.output<typeof ShareGuardSpec>;
export type SchedulerKind = z.output<typeof SchedulerType>;
export type HostOverrides = z.output<typeof HostSpec>;
export type ReportConfig = z.output<typeof ReportSpec>;

/** The scenario's paper-layout tables in print order: `report`, then `reports`. */
export function reportsOf(sc: Scenario): ReportConfig[] {
  return [...(sc.report ? [sc.report] : []), ...(sc.reports ?? [])];
}

/** The part of each run the metrics average over. */
export function measurementWindow(sc: Scenario): { from: number; to: number } {
  return { from: sc.window?.from ?? 0, to: sc.window?.to ?? sc.duration };
}

export function scenarioJsonSchema(): unknown {
  return z.toJSONSchema(ScenarioSchema, { io: "input", unrepresentable: "any" });
}
