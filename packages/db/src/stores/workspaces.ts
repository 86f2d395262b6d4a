import { NotFoundError } from '@switchboard/core';
import type { Db } from '../database/open.js';
import { ConflictError, isUniqueViolation } from './errors.js';

export interface WorkspaceRecord {
  id: string;
  slug: string;
  name: string;
  createdAt: Date;
}

export class WorkspaceStore {
  constructor(private readonly db: Db) {}

  /** Creates a workspace; with `ownerUserId`, that user becomes its owner in the same transaction. */
  async create(input: { slug: string; name?: string; ownerUserId?: string }): Promise<WorkspaceRecord> {
    try {
      return await this.db.$transaction(async (tx) => {
        const workspace = await tx.workspace.create({
          data: { slug: input.slug, name: input.name ?? input.slug },
          select: { id: true, slug: true, name: true, createdAt: true },
        });
        if (input.ownerUserId) {
          await tx.workspaceMember.create({
            data: { workspaceId: workspace.id, userId: input.ownerUserId, role: 'owner' },
          });
        }
        return workspace;
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictError('workspace', `workspace "${input.slug}" already exists`, { cause: error });
      }
      throw error;
    }
  }

  async findBySlug(slug: string): Promise<WorkspaceRecord | null> {
    return this.db.workspace.findUnique({
      where: { slug },
      select: { id: true, slug: true, name: true, createdAt: true },
    });
  }

  async get(id: string): Promise<WorkspaceRecord> {
    const found = await this.db.workspace.findUnique({
      where: { id },
      select: { id: true, slug: true, name: true, createdAt: true },
    });
    if (!found) throw new NotFoundError('workspace', id);
    return found;
  }

  /**
   * One page of workspaces in slug order: those with the given ids, or every one when `ids` is
   * undefined (the hub operator). `after` is the last slug of the previous page.
   */
  async list(input: { ids?: string[]; limit: number; after?: string }): Promise<WorkspaceRecord[]> {
    return this.db.workspace.findMany({
      where: {
        ...(input.ids ? { id: { in: input.ids } } : {}),
        ...(input.after ? { slug: { gt: input.after } } : {}),
      },
      orderBy: { slug: 'asc' },
      take: input.limit,
      select: { id: true, slug: true, name: true, createdAt: true },
    });
  }

  /** Whether the workspace has an owner or admin (the operator may only create the first one). */
  async hasAdmin(workspaceId: string): Promise<boolean> {
    const count = await this.db.workspaceMember.count({
      where: { workspaceId, role: { in: ['owner', 'admin'] } },
    });
    return count > 0;
  }

  /** Resolves a workspace by id or slug, as the API accepts either in `:ws`. */
  async resolve(idOrSlug: string): Promise<WorkspaceRecord> {
    const found = isUuid(idOrSlug)
      ? await this.db.workspace.findUnique({
          where: { id: idOrSlug },
          select: { id: true, slug: true, name: true, createdAt: true },
        })
      : await this.findBySlug(idOrSlug);
    if (!found) throw new NotFoundError('workspace', idOrSlug);
    return found;
  }
}

export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
