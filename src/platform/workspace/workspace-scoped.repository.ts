import { FindManyOptions, FindOptionsWhere, ObjectLiteral, Repository } from 'typeorm';
import { AppException } from '../http/app.exception';

export interface WorkspaceOwned extends ObjectLiteral {
  id: string;
  workspaceId: string;
}

/**
 * The only way feature code reads or writes workspace-owned rows: every method takes the caller's
 * workspace id and adds it to the WHERE clause, so a row of another workspace is simply not found
 * (a 404, never a 403 that would confirm it exists).
 */
export class WorkspaceScopedRepository<T extends WorkspaceOwned> {
  constructor(
    readonly repository: Repository<T>,
    private readonly label: string,
  ) {}

  private scoped(workspaceId: string, where: FindOptionsWhere<T> = {}): FindOptionsWhere<T> {
    return { ...where, workspaceId } as FindOptionsWhere<T>;
  }

  find(
    workspaceId: string,
    options: Omit<FindManyOptions<T>, 'where'> & { where?: FindOptionsWhere<T> } = {},
  ) {
    return this.repository.find({ ...options, where: this.scoped(workspaceId, options.where) });
  }

  findAndCount(
    workspaceId: string,
    options: Omit<FindManyOptions<T>, 'where'> & { where?: FindOptionsWhere<T> } = {},
  ) {
    return this.repository.findAndCount({
      ...options,
      where: this.scoped(workspaceId, options.where),
    });
  }

  count(workspaceId: string, where: FindOptionsWhere<T> = {}) {
    return this.repository.count({ where: this.scoped(workspaceId, where) });
  }

  async findOne(workspaceId: string, id: string): Promise<T | null> {
    if (!isUuid(id)) return null;
    return this.repository.findOne({
      where: this.scoped(workspaceId, { id } as FindOptionsWhere<T>),
    });
  }

  async get(workspaceId: string, id: string): Promise<T> {
    const row = await this.findOne(workspaceId, id);
    if (!row) throw AppException.notFound(this.label, id);
    return row;
  }

  async update(workspaceId: string, id: string, changes: Partial<T>): Promise<T> {
    const row = await this.get(workspaceId, id);
    return this.repository.save(this.repository.merge(row, changes as T));
  }

  async remove(workspaceId: string, id: string): Promise<void> {
    const row = await this.get(workspaceId, id);
    await this.repository.remove(row);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => UUID.test(value);
