#!/bin/bash
# LocalStack runs the executable scripts in /etc/localstack/init/ready.d once it is ready to
# serve. This one seeds the starting state of every lab that supports LocalStack (lab.yaml:
# `emulators: [labkit, localstack]`) with the same seed code the embedded emulator uses, by
# running `labkit seed` from the repo that docker-compose.yml mounts read-only at /opt/cloudlabs.
# Seeding is idempotent, so a restarted container seeds again without harm.
set -euo pipefail

if ! find /opt/cloudlabs/labs -name lab.yaml -print -quit 2>/dev/null | grep -q .; then
    echo "cloudlabs: no labs under /opt/cloudlabs/labs yet (run \`grader build\`); nothing to seed"
    exit 0
fi

# labkit needs boto3 and PyYAML. LocalStack's image has them in its global python3 (through
# awscli and awscli-local) and in LocalStack's own virtualenv; take the first that works.
python=""
for candidate in python3 /opt/code/localstack/.venv/bin/python; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import boto3, yaml' 2>/dev/null; then
        python="$candidate"
        break
    fi
done
if [[ -z "$python" ]]; then
    echo "cloudlabs: no python with boto3 and PyYAML in this container; labs not seeded" >&2
    exit 1
fi

# The repo is read-only: no bytecode caches; labkit's state goes to /tmp.
export PYTHONPATH=/opt/cloudlabs
export PYTHONDONTWRITEBYTECODE=1
export AWS_ENDPOINT_URL=http://localhost:4566
export LABKIT_HOME=/tmp/labkit

"$python" -m labkit seed --all --emulator localstack --labs-dir /opt/cloudlabs/labs --port 4566
