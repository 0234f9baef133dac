import type { ContractContext } from '../contract-context.js';

export function paginationContract(context: ContractContext): void {
  void context; // TODO(contract): tests for this group are being written
}
