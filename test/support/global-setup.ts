import { buildTemplates } from './databases';

export default async function globalSetup(): Promise<void> {
  await buildTemplates();
}
