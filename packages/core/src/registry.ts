import type { ChannelFactory } from './channel.js';
import { UnknownChannelTypeError } from './errors.js';

/** The set of platforms the hub knows; the hub looks factories up here instead of switching on names. */
export class Registry {
  readonly #factories = new Map<string, ChannelFactory>();

  /** Registering a type again replaces the earlier factory (last writer wins), e.g. a test double. */
  register<C extends Record<string, unknown>>(factory: ChannelFactory<C>): this {
    this.#factories.set(factory.type, factory);
    return this;
  }

  get(type: string): ChannelFactory {
    const factory = this.#factories.get(type);
    if (!factory) throw new UnknownChannelTypeError(type, this.types());
    return factory;
  }

  has(type: string): boolean {
    return this.#factories.has(type);
  }

  types(): string[] {
    return [...this.#factories.keys()].sort();
  }

  factories(): ChannelFactory[] {
    return this.types().map((type) => this.get(type));
  }
}
