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
