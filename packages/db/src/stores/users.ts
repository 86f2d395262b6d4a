import { NotFoundError } from '@switchboard/core';
import type { Db } from '../database/open.js';
import { ConflictError, isUniqueViolation } from './errors.js';

export interface UserRecord {
  id: string;
  username: string;
  email: string | null;
  displayName: string | null;
  status: 'active' | 'deactivated';
}

const userSelect = { id: true, username: true, email: true, displayName: true, status: true } as const;

export class UserStore {
  constructor(private readonly db: Db) {}

  async create(input: { username: string; email?: string; displayName?: string }): Promise<UserRecord> {
    try {
      return await this.db.user.create({
        data: {
          username: input.username,
          email: input.email?.toLowerCase() ?? null,
          displayName: input.displayName ?? null,
        },
        select: userSelect,
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictError('user', `username "${input.username}" is taken`, { cause: error });
      }
      throw error;
    }
  }

  findByUsername(username: string): Promise<UserRecord | null> {
    return this.db.user.findUnique({ where: { username }, select: userSelect });
  }

  /**
   * The one user with this email, or null when none or several have it: emails are not unique
   * (nor verified) on users, so an ambiguous email never picks somebody.
   */
  async findByEmail(email: string): Promise<UserRecord | null> {
    const found = await this.db.user.findMany({
      where: { email: email.toLowerCase() },
      select: userSelect,
      take: 2,
    });
    return found.length === 1 ? (found[0] ?? null) : null;
  }

  async get(id: string): Promise<UserRecord> {
    const found = await this.db.user.findUnique({ where: { id }, select: userSelect });
    if (!found) throw new NotFoundError('user', id);
    return found;
  }
}
