//! Whole-tree tests: discovery over real-looking module layouts in temporary directories.

use std::fs;
use std::path::Path;

use super::*;
use crate::plan::config::Configuration;
use crate::resolve::LocalSource;

fn write(root: &Path, rel: &str, text: impl AsRef<[u8]>) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn tree(root: &Path, configuration: &str) -> SourceTree {
    let configuration: Configuration = serde_json::from_str(configuration).unwrap();
    SourceTree::discover(root, &configuration)
}

fn strings(v: &[&str]) -> Option<Vec<String>> {
    Some(v.iter().map(|s| s.to_string()).collect())
}

const ROOT_MAIN: &str = r#"locals {
  private_subnet_ids = [
	  for key in sort(keys(aws_subnet.private_subnet)) :
	  aws_subnet.private_subnet[key].id
  ]
}

locals {
	ssm_services = var.enable_ssm_vpc_endpoints ? toset(["ssm", "ssmmessages", "ec2messages"]) : toset([])
}

resource "aws_vpc_endpoint" "ssm" {
  for_each           = local.ssm_services
  vpc_id             = aws_vpc.main.id
  service_name       = "com.amazonaws.${var.aws_region}.${each.key}"
  subnet_ids         = local.private_subnet_ids
  security_group_ids = [aws_security_group.ssm_endpoint.id]
}

module "app" {
  source     = "./modules/app"
  subnet_ids = local.private_subnet_ids
}

module "app2" {
  source = "./modules/app"
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.8.1"
}
"#;

const APP_MAIN: &str = r#"locals {
  name = "${var.name}-app"
}

# Session Manager reaches this instance through the shared endpoints.
# tfreach:ignore[SSM009,NET004] single-AZ dev environment
resource "aws_instance" "this" {
  count                  = var.instance_count
  ami                    = data.aws_ami.al2023.id
  subnet_id              = element(var.subnet_ids, count.index)
  vpc_security_group_ids = [module.sg.security_group_id]
  // tfreach:ignore[NET005] key pair kept for break-glass access
  key_name               = "ops"
}

module "sg" {
  source = "../sg"
}
"#;

const SG_MAIN: &str = r#"locals {
  this_sg_id = concat(aws_security_group.this.*.id, aws_security_group.this_name_prefix.*.id, [""])[0]
}

resource "aws_security_group" "this" {
  count  = var.use_name_prefix ? 0 : 1
  name   = var.name
  vpc_id = var.vpc_id
}
"#;

const CONFIGURATION: &str = r#"{"root_module": {"module_calls": {
  "app":  {"source": "./modules/app", "module": {"module_calls": {"sg": {"source": "../sg", "module": {}}}}},
  "app2": {"source": "./modules/app", "module": {"module_calls": {"sg": {"source": "../sg", "module": {}}}}},
  "vpc":  {"source": "terraform-aws-modules/vpc/aws", "module": {}}
}}}"#;

fn example() -> (tempfile::TempDir, SourceTree) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "main.tf", ROOT_MAIN);
    write(root, "modules/app/main.tf", APP_MAIN);
    write(root, "modules/sg/main.tf", SG_MAIN);
    write(
        root,
        ".terraform/modules/vpc/main.tf",
        "locals {\n  nat_gateway_count = var.single_nat_gateway ? 1 : length(var.azs)\n}\n",
    );
    write(
        root,
        ".terraform/modules/modules.json",
        r#"{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"vpc","Source":"registry.terraform.io/terraform-aws-modules/vpc/aws","Version":"5.8.1","Dir":".terraform/modules/vpc"}]}"#,
    );
    let tree = tree(root, CONFIGURATION);
    (dir, tree)
}

#[test]
fn locals_resolve_in_every_module() {
    let (_dir, tree) = example();
    assert_eq!(tree.notes(), [] as [String; 0]);
    assert_eq!(
        tree.local_references(&[], "private_subnet_ids"),
        strings(&["aws_subnet.private_subnet", "aws_subnet.private_subnet"])
    );
    assert_eq!(tree.local_references(&[], "ssm_services"), strings(&["var.enable_ssm_vpc_endpoints"]));
    assert_eq!(tree.local_references(&["app"], "name"), strings(&["var.name"]));
    assert_eq!(tree.local_references(&["app2"], "name"), strings(&["var.name"]));
    assert_eq!(
        tree.local_references(&["app", "sg"], "this_sg_id"),
        strings(&["aws_security_group.this", "aws_security_group.this_name_prefix"])
    );
    assert_eq!(tree.local_references(&["vpc"], "nat_gateway_count"), strings(&["var.single_nat_gateway", "var.azs"]));
    assert_eq!(tree.local_references(&[], "missing"), None);
    assert_eq!(tree.local_references(&["nope"], "name"), None);
}

#[test]
fn a_shared_module_directory_is_parsed_once() {
    let (_dir, tree) = example();
    let mut files: Vec<String> = tree.files().map(|f| f.relative_path().display().to_string()).collect();
    files.sort();
    assert_eq!(files, [".terraform/modules/vpc/main.tf", "main.tf", "modules/app/main.tf", "modules/sg/main.tf"]);
    let a = tree.resource_block(&["app", "sg"], "aws_security_group.this").unwrap();
    let b = tree.resource_block(&["app2", "sg"], "aws_security_group.this").unwrap();
    assert!(Arc::ptr_eq(a.file(), b.file()));
}

#[test]
fn resource_blocks_and_attributes_have_exact_positions() {
    let (dir, tree) = example();
    let block = tree.resource_block(&["app"], "aws_instance.this").unwrap();
    assert_eq!(block.header.text(), r#"resource "aws_instance" "this""#);
    assert_eq!((block.header.line, block.header.column), (7, 1));
    assert_eq!(block.header.span, 167..197);
    assert_eq!(block.block.end, APP_MAIN.find("}\n\nmodule").unwrap() + 1);
    assert!(block.text().starts_with("resource") && block.text().ends_with("\"ops\"\n}"));
    assert_eq!(block.file().relative_path(), Path::new("modules/app/main.tf"));
    assert_eq!(block.file().path(), dir.path().join("modules/app/main.tf"));

    let attr = tree.attribute(&["app"], "aws_instance.this", "vpc_security_group_ids").unwrap();
    assert_eq!((attr.line, attr.column), (11, 3));
    assert_eq!(attr.text(), "vpc_security_group_ids = [module.sg.security_group_id]");
    assert!(tree.attribute(&["app"], "aws_instance.this", "user_data").is_none());
    assert!(tree.resource_block(&["app"], "aws_instance.other").is_none());

    let endpoint = tree.resource_block(&[], "aws_vpc_endpoint.ssm").unwrap();
    assert_eq!((endpoint.header.line, endpoint.file().relative_path()), (12, Path::new("main.tf")));
}

#[test]
fn index_selectors_come_from_the_source() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "main.tf",
        "resource \"aws_instance\" \"app\" {\n  count     = 2\n  subnet_id = aws_subnet.private[count.index].id\n  vpc_security_group_ids = [aws_security_group.app.id]\n}\n\ndata \"aws_subnet\" \"by_az\" {\n  for_each = toset(var.azs)\n  id       = aws_subnet.public[each.key].id\n}\n",
    );
    let tree = tree(dir.path(), "{}");
    assert_eq!(
        tree.index_selector(&[], "aws_instance.app", "subnet_id"),
        Some(IndexSelector {
            resource: "aws_subnet.private".into(),
            selector: Selector::CountIndex,
            form: SelectorForm::Key,
            attribute: vec!["id".into()],
        })
    );
    assert_eq!(tree.index_selector(&[], "aws_instance.app", "vpc_security_group_ids"), None);
    let by_az = tree.index_selector(&[], "data.aws_subnet.by_az", "id").unwrap();
    assert_eq!((by_az.resource.as_str(), by_az.selector), ("aws_subnet.public", Selector::EachKey));
}

#[test]
fn inline_ignores_above_and_inside_a_block() {
    let (_dir, tree) = example();
    let ignores = tree.ignores(&["app"], "aws_instance.this");
    let got: Vec<(Vec<String>, &str, usize, usize)> =
        ignores.iter().map(|i| (i.rules.clone(), i.reason.as_str(), i.location.line, i.location.column)).collect();
    assert_eq!(
        got,
        [
            (vec!["SSM009".into(), "NET004".into()], "single-AZ dev environment", 6, 3),
            (vec!["NET005".into()], "key pair kept for break-glass access", 12, 6),
        ]
    );
    assert_eq!(ignores[0].location.file.relative_path(), Path::new("modules/app/main.tf"));
    assert!(tree.ignores(&[], "aws_vpc_endpoint.ssm").is_empty());
    assert!(tree.ignore_errors().is_empty());
}

#[test]
fn malformed_ignores_are_reported_once_with_their_location() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "modules/sg/main.tf",
        "# tfreach:ignore[NET001 missing bracket\nresource \"aws_security_group\" \"this\" {\n  /* tfreach:ignore[net001] lowercase */\n}\n",
    );
    write(dir.path(), "main.tf", "# tfreach:ignore[SSM005]\n\nresource \"aws_instance\" \"a\" {}\n");
    let configuration = r#"{"root_module": {"module_calls": {
        "a": {"source": "./modules/sg", "module": {}}, "b": {"source": "./modules/sg", "module": {}}}}}"#;
    let tree = tree(dir.path(), configuration);
    let errors: Vec<(String, usize, usize, IgnoreProblem)> = tree
        .ignore_errors()
        .iter()
        .map(|e| {
            (
                e.location.file.relative_path().display().to_string(),
                e.location.line,
                e.location.column,
                e.problem.clone(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            ("main.tf".into(), 1, 3, IgnoreProblem::NotAttached),
            ("modules/sg/main.tf".into(), 1, 3, IgnoreProblem::UnterminatedRuleList),
            ("modules/sg/main.tf".into(), 3, 6, IgnoreProblem::InvalidRuleId("net001".into())),
        ]
    );
    assert!(tree.ignores(&["a"], "aws_security_group.this").is_empty());
}

#[test]
fn bad_files_and_missing_modules_become_notes() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.tf", "locals {\n  x = var.y\n}\n");
    write(dir.path(), "broken.tf", "resource \"aws_instance\" \"a\" {\n  ami = \n}\n");
    write(dir.path(), "binary.tf", [0x00u8, 0xFF, 0xFE, 0x80, 0x81]);
    write(dir.path(), ".terraform/modules/modules.json", "{not json");
    let configuration = r#"{"root_module": {"module_calls": {
        "gone": {"source": "./modules/gone", "module": {}},
        "remote": {"source": "git::https://example.com/net.git", "module": {"module_calls": {"inner": {"source": "./inner", "module": {}}}}}}}}"#;
    let tree = tree(dir.path(), configuration);
    assert_eq!(tree.local_references(&[], "x"), strings(&["var.y"]));
    assert_eq!(tree.local_references(&["gone"], "x"), None);
    assert_eq!(tree.local_references(&["remote", "inner"], "x"), None);
    let notes = tree.notes();
    assert_eq!(notes.len(), 5, "{notes:#?}");
    assert!(notes[0].starts_with("ignored .terraform/modules/modules.json: "), "{}", notes[0]);
    assert_eq!(
        notes[1],
        "no sources for module.remote (source \"git::https://example.com/net.git\"): .terraform/modules/modules.json does not list it; run `terraform init` in the source directory"
    );
    assert!(notes[2].starts_with("cannot read source directory modules/gone: "), "{}", notes[2]);
    assert!(notes[3].starts_with("skipped binary.tf:1:2: not UTF-8 text: byte 0xff"), "{}", notes[3]);
    assert!(notes[4].starts_with("skipped broken.tf:2:9: not valid HCL: "), "{}", notes[4]);
}

#[test]
fn windows_files_with_a_byte_order_mark_and_crlf() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        "\u{feff}# tfreach:ignore[SSM005] proxy egress\r\nresource \"aws_instance\" \"a\" {\r\n  ami = \"x\"\r\n}\r\n";
    write(dir.path(), "main.tf", text);
    let tree = tree(dir.path(), "{}");
    let block = tree.resource_block(&[], "aws_instance.a").unwrap();
    assert_eq!((block.header.line, block.header.column), (2, 1));
    let ignores = tree.ignores(&[], "aws_instance.a");
    assert_eq!(
        (ignores[0].reason.as_str(), ignores[0].location.text()),
        ("proxy egress", "tfreach:ignore[SSM005] proxy egress")
    );
}

#[test]
fn the_manifest_also_places_local_modules() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "infra/app/main.tf", "locals {\n  from_manifest = aws_vpc.main.id\n}\n");
    write(
        dir.path(),
        ".terraform/modules/modules.json",
        r#"{"Modules":[{"Key":"app","Source":"./elsewhere","Dir":"infra/app"}]}"#,
    );
    let tree =
        tree(dir.path(), r#"{"root_module": {"module_calls": {"app": {"source": "./elsewhere", "module": {}}}}}"#);
    assert_eq!(tree.local_references(&["app"], "from_manifest"), strings(&["aws_vpc.main.id", "aws_vpc.main"]));
    assert!(tree.notes().is_empty(), "{:?}", tree.notes());
}

#[test]
fn override_files_replace_locals_but_not_block_locations() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.tf", "locals {\n  ids = var.a\n}\nresource \"aws_vpc\" \"main\" {\n}\n");
    write(
        dir.path(),
        "main_override.tf",
        "locals {\n  ids = var.b\n}\nresource \"aws_vpc\" \"main\" {\n  enable_dns_hostnames = true\n}\n",
    );
    let tree = tree(dir.path(), "{}");
    assert_eq!(tree.local_references(&[], "ids"), strings(&["var.b"]));
    let block = tree.resource_block(&[], "aws_vpc.main").unwrap();
    assert_eq!(block.file().relative_path(), Path::new("main.tf"));
}

#[test]
fn an_empty_or_missing_directory_has_no_sources() {
    let dir = tempfile::tempdir().unwrap();
    let empty = tree(dir.path(), "{}");
    assert!(empty.is_empty() && empty.notes().is_empty());
    assert_eq!(empty.local_references(&[], "x"), None);
    let missing = tree(&dir.path().join("nope"), "{}");
    assert!(missing.is_empty());
    assert_eq!(missing.notes().len(), 1);
}

#[test]
fn the_tree_is_shareable_across_threads() {
    fn assert_sync<T: Sync + Send>() {}
    assert_sync::<SourceTree>();
}

/// The strongest check of the reference format: for every attribute of every resource in the
/// fixtures (real `terraform show -json` output next to the `.tf` files that produced it),
/// the references read from the source equal the plan's, string for string.
#[test]
fn references_match_terraform_on_every_fixture() {
    use crate::plan::config::{ConfigModule, ExprNode, Expressions};
    use hcl_edit::structure::Body;

    #[derive(serde::Deserialize)]
    struct Plan<'a> {
        #[serde(borrow)]
        configuration: Configuration<'a>,
    }

    fn compare(body: &Body, expressions: &Expressions<'_>, at: &str, compared: &mut usize) {
        for (name, node) in &expressions.fields {
            match node {
                ExprNode::Expr(e) => {
                    let Some(attr) = body.get_attribute(name) else { continue };
                    let refs = e.references();
                    let theirs: Vec<&str> = refs.iter().map(|r| r.as_ref()).collect();
                    assert_eq!(references(&attr.value), theirs, "{at}.{name}");
                    *compared += 1;
                }
                ExprNode::Block(inner) => {
                    if let Some(block) = body.get_blocks(name).next() {
                        compare(&block.body, inner, &format!("{at}.{name}"), compared);
                    }
                }
                ExprNode::Blocks(list) => {
                    for (block, inner) in body.get_blocks(name).zip(list) {
                        compare(&block.body, inner, &format!("{at}.{name}"), compared);
                    }
                }
            }
        }
    }

    fn walk(tree: &SourceTree, module: &ConfigModule<'_>, path: &mut Vec<String>, compared: &mut usize) {
        let config_path: Vec<&str> = path.iter().map(String::as_str).collect();
        for resource in &module.resources {
            // A fixture whose module sources are not checked in has nothing to compare.
            let Some(block) = tree.resource_block(&config_path, &resource.address) else { continue };
            let at = format!("{config_path:?} {}", resource.address);
            let body = hcl_edit::parser::parse_body(block.text()).unwrap();
            let parsed = body.blocks().next().unwrap();
            compare(&parsed.body, resource.expressions(), &at, compared);
        }
        for (name, call) in &module.module_calls {
            path.push(name.to_string());
            walk(tree, &call.module, path, compared);
            path.pop();
        }
    }

    let testdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let mut compared = 0;
    for entry in fs::read_dir(&testdata).unwrap() {
        let dir = entry.unwrap().path();
        let Ok(text) = fs::read_to_string(dir.join("plan.json")) else { continue };
        let plan: Plan = serde_json::from_str(&text).unwrap();
        let tree = SourceTree::discover(&dir, &plan.configuration);
        walk(&tree, &plan.configuration.root_module, &mut Vec::new(), &mut compared);
    }
    assert!(compared > 500, "only {compared} expressions compared");
}
