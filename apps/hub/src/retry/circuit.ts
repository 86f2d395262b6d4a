export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** While open, one probe is let through per interval. */
  probeIntervalMs: number;
  now?: () => number;
}

export interface AgentHealth {
  circuit: CircuitState;
  consecutiveFailures: number;
  lastSuccessAt: Date | null;
  lastErrorAt: Date | null;
  lastError: string | null;
  /** When the next probe may go out (open circuits only). */
  nextProbeAt: Date | null;
}

/** `call`: go ahead (a probe while half-open); `wait`: do not call, come back after `retryInMs`. */
export type Admission = { kind: 'call'; probe: boolean } | { kind: 'wait'; retryInMs: number };

interface Circuit {
  state: CircuitState;
  consecutiveFailures: number;
  openUntil: number;
  probing: boolean;
  probeStartedAt: number;
  lastSuccessAt: number | null;
  lastErrorAt: number | null;
  lastError: string | null;
}

/**
 * One circuit breaker per agent, shared by every worker of the process: after `failureThreshold`
 * failures in a row the agent gets one probe per `probeIntervalMs` instead of one request per
 * message; the probe's success closes the circuit for everyone.
 */
export class AgentCircuits {
  readonly #options: Required<CircuitOptions>;
  readonly #circuits = new Map<string, Circuit>();

  constructor(options: CircuitOptions) {
    this.#options = { now: Date.now, ...options };
  }

  admit(agentId: string): Admission {
    const circuit = this.#circuits.get(agentId);
    if (!circuit || circuit.state === 'closed') return { kind: 'call', probe: false };
    const now = this.#options.now();
    // A probe that never reported (its worker died) stops counting after one interval.
    // Others come back soon, not a whole interval later: the probe may be answered any moment.
    if (circuit.probing && now - circuit.probeStartedAt < this.#options.probeIntervalMs) {
      return { kind: 'wait', retryInMs: Math.min(1_000, this.#options.probeIntervalMs) };
    }
    // A clock that jumped back must not stretch the wait beyond one interval.
    circuit.openUntil = Math.min(circuit.openUntil, now + this.#options.probeIntervalMs);
    if (now < circuit.openUntil) return { kind: 'wait', retryInMs: circuit.openUntil - now };
    circuit.state = 'half_open';
    circuit.probing = true;
    circuit.probeStartedAt = now;
    return { kind: 'call', probe: true };
  }

  succeeded(agentId: string): void {
    const circuit = this.#get(agentId);
    circuit.state = 'closed';
    circuit.consecutiveFailures = 0;
    circuit.probing = false;
    circuit.lastSuccessAt = this.#options.now();
  }

  failed(agentId: string, error: string): void {
    const circuit = this.#get(agentId);
    const now = this.#options.now();
    circuit.consecutiveFailures++;
    circuit.lastErrorAt = now;
    circuit.lastError = error;
    const wasProbe = circuit.probing;
    circuit.probing = false;
    if (wasProbe || circuit.consecutiveFailures >= this.#options.failureThreshold) {
      circuit.state = 'open';
      circuit.openUntil = now + this.#options.probeIntervalMs;
    }
  }

  health(agentId: string): AgentHealth {
    const circuit = this.#circuits.get(agentId);
    const date = (ms: number | null | undefined) => (ms == null ? null : new Date(ms));
    return {
      circuit: circuit?.state ?? 'closed',
      consecutiveFailures: circuit?.consecutiveFailures ?? 0,
      lastSuccessAt: date(circuit?.lastSuccessAt),
      lastErrorAt: date(circuit?.lastErrorAt),
      lastError: circuit?.lastError ?? null,
      nextProbeAt: circuit && circuit.state !== 'closed' ? new Date(circuit.openUntil) : null,
    };
  }

  /** Circuits not closed right now (a metric). */
  openCount(): number {
    let open = 0;
    for (const circuit of this.#circuits.values()) if (circuit.state !== 'closed') open++;
    return open;
  }

  #get(agentId: string): Circuit {
    let circuit = this.#circuits.get(agentId);
    if (!circuit) {
      circuit = {
        state: 'closed',
        consecutiveFailures: 0,
        openUntil: 0,
        probing: false,
        probeStartedAt: 0,
        lastSuccessAt: null,
        lastErrorAt: null,
        lastError: null,
      };
      this.#circuits.set(agentId, circuit);
    }
    return circuit;
  }
}
