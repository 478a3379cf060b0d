/**
 * Atlas Search index commands. This store has no search engine, so it answers them as a mongod without Atlas Search
 * does (SearchNotEnabled, a message naming Atlas) after checking the collection name like any command.
 */
import { searchNotEnabled } from '../query';
import { collectionName } from './args';
import type { CommandHandler } from './context';

function refuse(name: string): CommandHandler {
  return (command) => {
    collectionName(command, name);
    throw searchNotEnabled();
  };
}

export const searchIndexCommands: Record<string, CommandHandler> = {
  createSearchIndexes: refuse('createSearchIndexes'),
  updateSearchIndex: refuse('updateSearchIndex'),
  dropSearchIndex: refuse('dropSearchIndex'),
  listSearchIndexes: refuse('listSearchIndexes'),
};
