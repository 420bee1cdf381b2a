/**
 * The shape of one bootstrap scenario: what the machine and the services around it do, and
 * what either script must do about it. Pure data, so that `tests/bootstrap/scenarios.ts` reads
 * as a table and the runner (`scenarioRunner.ts`) owns every server and process.
 */

/** The two scripts under test. */
export type Shell = "sh" | "ps1";

/** What the instance metadata service does. */
export type ImdsBehaviour =
  /** Nothing listens: not on EC2. */
  | "none"
  /** The real signed document, `/rsa2048` and `/signature`. */
  | "real"
  /** The real document and `/signature`, no `/rsa2048` (404). */
  | "no-rsa2048"
  /** The real document of a paid AMI (`billingProducts`, `marketplaceProductCodes` arrays). */
  | "paid-ami"
  /** The token answer trickles in, one byte a second, for longer than the 3 s bound. */
  | "drip-token";

/** A canned API answer, for answers the real handler never gives. */
export interface CannedAnswer {
  readonly status: number;
  /** Body bytes, as a latin1 string (so that any byte can be written). */
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What the activation API does. */
export type ApiBehaviour =
  /** The real handler behind the local API Gateway adapter (the default). */
  | "real"
  /** Nothing listens. */
  | "closed"
  /** A 302 to the real API: a script must not follow it. */
  | "redirect"
  /** The API URL with its scheme upper-cased (`HTTP://…`). */
  | "upper-case-scheme"
  /** A 200 whose body trickles in one byte a second for 60 s: only a time bound ends it. */
  | "trickle"
  /** Every request gets this answer. */
  | { readonly canned: CannedAnswer };

/** One request that reached the API, as the table states it. */
export interface ApiRequest {
  /** Status the API answered. */
  readonly status: number;
  /** `name` query parameter (omitted: not compared). */
  readonly name?: string;
  /** `tag.*` query parameters (omitted: not compared). */
  readonly tags?: Readonly<Record<string, string>>;
  /** How the caller proved itself: bearer token or the signature kind (omitted: not compared). */
  readonly identity?: "token" | "rsa2048" | "signature" | "none";
}

/** The scratch machine the script runs on. */
export interface MachineSetup {
  /** Content of the agent registration file before the run. */
  readonly registration?: string;
  /** Content of a token file; its path replaces `{tokenFile}` in args and env. */
  readonly tokenFile?: string;
  /** Content of the os-release file (HF_OS_RELEASE) register.sh picks rpm or deb from. */
  readonly osRelease?: string;
  /** The agent is not installed (HF_AGENT_BIN points at a missing file the installer creates). */
  readonly agentMissing?: boolean;
  /** The fake agent refuses `-register` with this exit code. */
  readonly agentExit?: number;
  /** The fake agent writes the registration file elsewhere (so no mi- is ever found). */
  readonly registrationElsewhere?: boolean;
  /** The service manager fails `restart` with this exit code. */
  readonly serviceExit?: number;
  /** The service manager prints this on stdout for every call (success or not). */
  readonly serviceSays?: string;
}

/** What both scripts must do. */
export interface Expectation {
  /** Exit code. */
  readonly code: number;
  /** Every request that reached the API, in order. */
  readonly api: readonly ApiRequest[];
  /** Every IMDS request, `METHOD /path STATUS` (omitted: not compared). */
  readonly imds?: readonly string[];
  /** `registered`: exactly one `-register` call with the activation the API issued last. */
  readonly agent: "registered" | "none";
  /** Service manager calls, by action (the service's name differs per OS). */
  readonly service: readonly string[];
  /** Patterns stderr must match (flags in register.sh's spelling). */
  readonly stderr?: readonly RegExp[];
  /** Pattern stdout must match (default: stdout is empty). */
  readonly stdout?: RegExp;
  /** Path fetched from the agent bucket, per script (the package differs per OS). */
  readonly download?: Readonly<Record<Shell, string>>;
  /** Arguments the installer got, `<package>` standing for the downloaded file. */
  readonly installer?: readonly string[];
  /** Hosts asked of the HTTPS proxy (CONNECT host:port). */
  readonly proxied?: readonly string[];
  /**
   * The run, from start to exit, takes at most this many seconds (a generous bound, stated
   * relative to the row's --max-time; omitted: not compared).
   */
  readonly withinSeconds?: number;
}

/** One row of the table. */
export interface Scenario {
  /** Unique title; also the test name. */
  readonly title: string;
  /** Arguments in register.sh's spelling (`--name x`); register.ps1 gets `-Name x`. */
  readonly args?: readonly string[];
  /** Extra environment; `{tokenFile}`, `{machine}` and `{support}` are filled in. */
  readonly env?: Readonly<Record<string, string>>;
  /** Default `none`. */
  readonly imds?: ImdsBehaviour;
  /** Default `real`. */
  readonly api?: ApiBehaviour;
  /** Answers the real API gives first, before the handler runs (status, Retry-After seconds). */
  readonly inject?: ReadonlyArray<{ readonly status: number; readonly retryAfter?: number }>;
  /** A managed instance with this Name is registered and Online before the run. */
  readonly nameHeldOnline?: string;
  readonly machine?: MachineSetup;
  /** Serve an agent bucket (HF_AGENT_BUCKET_URL) for the install path. */
  readonly bucket?: boolean;
  /** Route HTTPS through a local proxy that records CONNECT and refuses it. */
  readonly httpsProxy?: boolean;
  /**
   * What Get-AuthenticodeSignature says of the downloaded Windows setup (register.ps1 runs
   * through support/pwsh-shim.ps1, which stands it in). Default, when the row installs: Valid,
   * signed by Amazon.com Services LLC.
   */
  readonly authenticode?: { readonly status: string; readonly subject: string };
  /** Run the script with the API URL baked in (as the stack's user data does), no HF_API_URL. */
  readonly baked?: boolean;
  /** Run against one script only, with the reason (a behaviour only one OS has). */
  readonly only?: { readonly shell: Shell; readonly why: string };
  readonly expect: Expectation;
}
