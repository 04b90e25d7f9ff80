import 'reflect-metadata';
import { createApp } from './app.factory';
import { ConfigValidationError, loadConfig } from './platform/config/app-config';
import { BootstrapService } from './platform/bootstrap/bootstrap.service';
import { DataDirLockedError } from './platform/database/data-dir-lock';
import { DemoDataService } from './modules/demo/demo-data.service';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config);
  await app.listen({ port: config.PORT, host: config.HOST });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const base = `http://localhost:${port}`;
  const quickstart = app.get(BootstrapService).quickstartFile;
  const lines = [
    '',
    `  RevOps Hub is running on ${base}`,
    `  API:     ${base}/v1      Swagger UI: ${base}/docs      OpenAPI: ${base}/docs-json`,
    `  Health:  ${base}/health`,
    quickstart
      ? `  Token:   credentials are in ${quickstart}; then\n           curl -s -X POST ${base}/oauth/token -d grant_type=client_credentials -d client_id=<client_id> -d client_secret=<client_secret>`
      : `  Token:   create a client with "npm run cli -- clients create --workspace <slug>" (or set BOOTSTRAP_CLIENT_ID/SECRET), then POST ${base}/oauth/token`,
    '',
  ];
  const demo = app.get(DemoDataService);
  if (demo.wantedOnStart)
    lines.push('  Demo data: loading in the background (the API answers meanwhile)...', '');
  process.stdout.write(lines.join('\n') + '\n');
  if (demo.wantedOnStart) {
    // After listen, so /health answers at once; the load takes a few seconds more.
    demo.load().then(
      (s) =>
        process.stdout.write(
          `  Demo data loaded in ${s.seconds.toFixed(1)} s: ${s.counts.opportunities} opportunities, ${s.counts.activities} activities (dates moved to end ${s.asOf}).\n`,
        ),
      (err) => console.error('Demo data could not be loaded:', err),
    );
  }
}

main().catch((err) => {
  if (err instanceof ConfigValidationError || err instanceof DataDirLockedError) {
    console.error(err.message);
  } else {
    console.error('RevOps Hub failed to start:', err);
  }
  process.exit(1);
});
