/** Dockerfile rules: the final image's user, base images, package installs, downloads, secrets and permissions. */
import type { Rule } from '../../engine/rule.js';
import { dockerfileUserRoot } from './dockerfile-user-root.js';
import { dockerfileUserMissing } from './dockerfile-user-missing.js';
import { dockerfileBaseImageLatest } from './dockerfile-base-image-latest.js';
import { dockerfileBaseImageNotPinnedByDigest } from './dockerfile-base-image-not-pinned-by-digest.js';
import { dockerfileBaseImageRegistryNotAllowed } from './dockerfile-base-image-registry-not-allowed.js';
import { dockerfileFinalImageNotMinimal } from './dockerfile-final-image-not-minimal.js';
import { dockerfileAptNoInstallRecommends } from './dockerfile-apt-no-install-recommends.js';
import { dockerfileAptListsNotCleaned } from './dockerfile-apt-lists-not-cleaned.js';
import { dockerfileApkNoCache } from './dockerfile-apk-no-cache.js';
import { dockerfileAddRemoteUrl } from './dockerfile-add-remote-url.js';
import { dockerfileAddInsteadOfCopy } from './dockerfile-add-instead-of-copy.js';
import { dockerfileSecretInEnvArg } from './dockerfile-secret-in-env-arg.js';
import { dockerfileSecretBuildArg } from './dockerfile-secret-build-arg.js';
import { dockerfileSecretInRun } from './dockerfile-secret-in-run.js';
import { dockerfileExposeSsh } from './dockerfile-expose-ssh.js';
import { dockerfileSudo } from './dockerfile-sudo.js';
import { dockerfileChmodWorldWritable } from './dockerfile-chmod-world-writable.js';
import { dockerfileCurlPipeShell } from './dockerfile-curl-pipe-shell.js';
import { dockerfileTlsVerificationDisabled } from './dockerfile-tls-verification-disabled.js';
import { dockerfileHealthcheckMissing } from './dockerfile-healthcheck-missing.js';
import { dockerfileWorkdirRelative } from './dockerfile-workdir-relative.js';

export const dockerfileRules: Rule[] = [
  dockerfileUserRoot,
  dockerfileUserMissing,
  dockerfileBaseImageLatest,
  dockerfileBaseImageNotPinnedByDigest,
  dockerfileBaseImageRegistryNotAllowed,
  dockerfileFinalImageNotMinimal,
  dockerfileAptNoInstallRecommends,
  dockerfileAptListsNotCleaned,
  dockerfileApkNoCache,
  dockerfileAddRemoteUrl,
  dockerfileAddInsteadOfCopy,
  dockerfileSecretInEnvArg,
  dockerfileSecretBuildArg,
  dockerfileSecretInRun,
  dockerfileExposeSsh,
  dockerfileSudo,
  dockerfileChmodWorldWritable,
  dockerfileCurlPipeShell,
  dockerfileTlsVerificationDisabled,
  dockerfileHealthcheckMissing,
  dockerfileWorkdirRelative,
];
