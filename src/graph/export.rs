//! `tfreach graph`: the network graph as JSON, Graphviz DOT or Mermaid.

use std::fmt::Write;

use petgraph::visit::EdgeRef;
use serde::Serialize;

use super::{Network, Node};
use crate::resolve::Resolution;

#[derive(Serialize)]
pub struct GraphJson {
    pub nodes: Vec<NodeJson>,
    pub edges: Vec<EdgeJson>,
}

#[derive(Serialize)]
pub struct NodeJson {
    pub id: String,
    /// `resource`, `data`, `external` or `vpc_default`.
    pub kind: &'static str,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
}

#[derive(Serialize)]
pub struct EdgeJson {
    pub from: String,
    pub to: String,
    pub link: &'static str,
    pub attribute: String,
    pub resolution: Resolution,
    pub candidates: usize,
}

impl Network<'_, '_> {
    fn node_json(&self, n: &Node) -> NodeJson {
        match n {
            Node::Resource(id) => {
                let r = &self.model.resources[*id];
                NodeJson {
                    id: r.address().to_string(),
                    kind: if r.is_data() { "data" } else { "resource" },
                    type_: Some(r.type_name().to_string()),
                }
            }
            Node::External(_) => NodeJson { id: self.node_name(n), kind: "external", type_: None },
            Node::VpcDefault(..) => NodeJson { id: self.node_name(n), kind: "vpc_default", type_: None },
        }
    }

    /// Nodes and edges, sorted by name so the output is stable.
    pub fn to_json(&self) -> GraphJson {
        let mut nodes: Vec<NodeJson> = self.graph.node_weights().map(|n| self.node_json(n)).collect();
        nodes.sort_by(|a, b| a.id.cmp(&b.id));
        let mut edges: Vec<EdgeJson> = self
            .graph
            .edge_references()
            .map(|e| EdgeJson {
                from: self.node_name(&self.graph[e.source()]),
                to: self.node_name(&self.graph[e.target()]),
                link: e.weight().kind.label(),
                attribute: e.weight().attribute(),
                resolution: e.weight().resolution,
                candidates: e.weight().candidates,
            })
            .collect();
        edges.sort_by(|a, b| (&a.from, &a.attribute, &a.to).cmp(&(&b.from, &b.attribute, &b.to)));
        edges.dedup_by(|a, b| a.from == b.from && a.to == b.to && a.attribute == b.attribute);
        GraphJson { nodes, edges }
    }

    /// Graphviz DOT: decided links solid, candidates dashed, unresolved dotted.
    pub fn to_dot(&self) -> String {
        let g = self.to_json();
        let mut out = String::from(
            "digraph tfreach {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n",
        );
        for n in &g.nodes {
            let shape = match n.kind {
                "external" => ", style=dashed",
                "vpc_default" => ", style=dotted",
                "data" => ", style=rounded",
                _ => "",
            };
            let _ = writeln!(out, "  {} [label={}{shape}];", dot_quote(&n.id), dot_quote(&n.id));
        }
        for e in &g.edges {
            let style = match e.resolution {
                Resolution::Known | Resolution::Reference => "solid",
                Resolution::Candidates => "dashed",
                Resolution::Unresolved => "dotted",
            };
            let _ = writeln!(
                out,
                "  {} -> {} [label={}, style={style}];",
                dot_quote(&e.from),
                dot_quote(&e.to),
                dot_quote(&e.attribute)
            );
        }
        out.push_str("}\n");
        out
    }

    /// A Mermaid flowchart: decided links `-->`, candidates `-.->`.
    pub fn to_mermaid(&self) -> String {
        let g = self.to_json();
        let mut out = String::from("flowchart LR\n");
        let id_of = |name: &str| g.nodes.iter().position(|n| n.id == name).map(|i| format!("n{i}")).unwrap_or_default();
        for (i, n) in g.nodes.iter().enumerate() {
            let _ = writeln!(out, "  n{i}[\"{}\"]", mermaid_escape(&n.id));
        }
        for e in &g.edges {
            let arrow = match e.resolution {
                Resolution::Known | Resolution::Reference => "-->",
                _ => "-.->",
            };
            let _ = writeln!(out, "  {} {arrow}|{}| {}", id_of(&e.from), mermaid_escape(&e.attribute), id_of(&e.to));
        }
        out
    }
}

fn dot_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn mermaid_escape(s: &str) -> String {
    s.replace('"', "#quot;")
}
