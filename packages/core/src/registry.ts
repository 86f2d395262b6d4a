import type { ChannelFactory } from './channel.js';
import { DuplicateChannelTypeError, UnknownChannelTypeError } from './errors.js';
import type { AccountProvisionerFactory, ChannelPlugin } from './plugin.js';
import type { NamespaceRules } from './provisioning.js';

/** The set of platforms the hub knows; the hub looks factories up here instead of switching on names. */
export class Registry {
  readonly #factories = new Map<string, ChannelFactory>();
  readonly #provisioners = new Map<string, AccountProvisionerFactory>();
  readonly #namespaces = new Map<string, NamespaceRules>();
  /** Which plugin registered each type, so a clash names both sides. */
  readonly #sources = new Map<string, string>();

  /** Registering a type again replaces the earlier factory (last writer wins), e.g. a test double. */
  register<C extends Record<string, unknown>>(factory: ChannelFactory<C>): this {
    this.#factories.set(factory.type, factory as unknown as ChannelFactory);
    return this;
  }

  /**
   * Registers every factory and provisioner of a plugin. Unlike `register`, a type another plugin
   * already registered is a configuration mistake: `DuplicateChannelTypeError`.
   */
  registerPlugin(plugin: ChannelPlugin, source: string): this {
    const types = [...plugin.factories, ...(plugin.provisioners ?? [])].map((factory) => factory.type);
    for (const type of types) {
      const earlier = this.#sources.get(type);
      if (earlier !== undefined) throw new DuplicateChannelTypeError(type, [earlier, source]);
      this.#sources.set(type, source);
    }
    for (const factory of plugin.factories) this.register(factory);
    for (const factory of plugin.provisioners ?? []) this.#provisioners.set(factory.type, factory);
    for (const rules of plugin.namespaces ?? []) {
      const earlier = this.#sources.get(`namespace:${rules.scheme}`);
      if (earlier !== undefined) {
        throw new DuplicateChannelTypeError(`identity namespace ${rules.scheme}`, [earlier, source]);
      }
      this.#sources.set(`namespace:${rules.scheme}`, source);
      this.#namespaces.set(rules.scheme, rules);
    }
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

  /** Account provisioner factories registered by plugins, by type. */
  provisioner(type: string): AccountProvisionerFactory | undefined {
    return this.#provisioners.get(type);
  }

  /** The identity namespace rules plugins contributed, by scheme. */
  namespaceRules(): NamespaceRules[] {
    return [...this.#namespaces.values()];
  }

  provisionerTypes(): string[] {
    return [...this.#provisioners.keys()].sort();
  }
}
