export { CommandDispatcher, COMMANDS, type ContextFactory } from './dispatcher';
export type { CommandContext, CommandHandler, FirstStageHandler, FirstStageRequest, ServerInfo, StoreExtensions } from './context';
export { firstBatchReply } from './cursor-reply';
export { SERVER_VERSION } from './handshake';
