// Which CI run a command runs in, and who started it, from the variables CI systems set: for the deploy lock's
// "held by", and for the deploy report. Pure: the caller hands in the environment.

export interface CiRun {
  system: string;
  /** The run's address (or id when the system gives none). */
  run: string;
}

export function ciRun(env: Record<string, string | undefined>): CiRun | undefined {
  if (env.GITHUB_ACTIONS === 'true' && env.GITHUB_RUN_ID) {
    const attempt = Number(env.GITHUB_RUN_ATTEMPT) > 1 ? `/attempts/${env.GITHUB_RUN_ATTEMPT}` : '';
    const base = env.GITHUB_REPOSITORY ? `${env.GITHUB_SERVER_URL || 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` : env.GITHUB_RUN_ID;
    return { system: 'GitHub Actions', run: base + attempt };
  }
  if (env.GITLAB_CI === 'true') return { system: 'GitLab CI', run: env.CI_JOB_URL || env.CI_PIPELINE_URL || env.CI_JOB_ID || '' };
  if (env.JENKINS_URL || env.BUILD_URL) return { system: 'Jenkins', run: env.BUILD_URL || env.BUILD_ID || '' };
  if (env.CIRCLECI === 'true') return { system: 'CircleCI', run: env.CIRCLE_BUILD_URL || '' };
  if (env.BUILDKITE === 'true') return { system: 'Buildkite', run: env.BUILDKITE_BUILD_URL || '' };
  if (env.CODING_CI || env.CODING_BUILD_ID) return { system: 'CODING CI', run: env.CODING_BUILD_URL || env.CODING_BUILD_ID || '' };
  if (env.CI === 'true' || env.CI === '1') return { system: 'CI', run: '' };
  return undefined;
}

/** The person or CI actor behind the run. */
export function actor(env: Record<string, string | undefined>, fallback: () => string): string {
  return env.GITHUB_ACTOR || env.GITLAB_USER_LOGIN || env.BUILD_USER_ID || env.CIRCLE_USERNAME || env.BUILDKITE_BUILD_CREATOR || env.USER || env.USERNAME || fallback();
}
