//! `tfreach graph`: the network graph as JSON, Graphviz DOT or Mermaid — exactly the links
//! reachability reads, derived ones included.

use std::fmt::Write;

use petgraph::visit::EdgeRef;
use serde::Serialize;

use super::Network;
use super::graph::{Edge, Node, NodeId};
use crate::model::Kind;
use crate::resolve::Resolution;

#[derive(Serialize)]
pub struct GraphJson {
    pub nodes: Vec<NodeJson>,
    pub edges: Vec<EdgeJson>,
}

#[derive(Serialize)]
pub struct NodeJson {
    pub id: String,
    /// `resource`, `data`, `external`, `vpc_default` or `choice` (one of its candidates).
    pub kind: &'static str,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
}

#[derive(Serialize)]
pub struct EdgeJson {
    pub from: String,
    pub to: String,
    /// The link's meaning (`subnet`, `security_groups`, …), `derived` for links the network
    /// derives from others, `candidate` from a choice to one of its options.
    pub link: &'static str,
    pub attribute: String,
    pub resolution: Resolution,
    /// How many candidates share the slot this edge belongs to (1 when decided).
    pub candidates: usize,
}

impl Network<'_, '_> {
    fn node_json(&self, n: NodeId) -> NodeJson {
        let kind = match self.graph.weight(n) {
            Node::Resource(_) if self.is_data(n) => "data",
            Node::Resource(_) => "resource",
            Node::External(_) => "external",
            Node::VpcDefault(..) => "vpc_default",
            Node::Choice(_) => "choice",
        };
        let type_ = self.resource(n).map(|id| self.model[id].type_name().to_string());
        NodeJson { id: self.name(n), kind, type_ }
    }

    /// Whether a node belongs in the output: a modelled resource, or anything a link names.
    fn shown(&self, n: NodeId) -> bool {
        match self.graph.weight(n) {
            Node::Resource(_) => self.kind(n).is_some_and(|k| k != Kind::Other),
            _ => true,
        }
    }

    /// Nodes and edges, sorted by name so the output is stable.
    pub fn to_json(&self) -> GraphJson {
        let mut nodes: Vec<NodeJson> =
            self.graph.graph.node_indices().filter(|&n| self.shown(n)).map(|n| self.node_json(n)).collect();
        nodes.sort_by(|a, b| a.id.cmp(&b.id));
        nodes.dedup_by(|a, b| a.id == b.id);
        let mut edges: Vec<EdgeJson> = self
            .graph
            .graph
            .edge_references()
            .map(|e| {
                let (link, attribute, resolution, candidates) = match *e.weight() {
                    Edge::Slot { link, slot } => {
                        let data = self.graph.link_data(link);
                        let l = self.graph.link(link);
                        let n = l.slots.get(slot as usize).map_or(0, |s| s.options().len());
                        (data.key.kind.label(), data.key.attribute(), l.resolution, n)
                    }
                    Edge::Candidate => ("candidate", String::new(), Resolution::Candidates, 1),
                };
                EdgeJson {
                    from: self.name(e.source()),
                    to: self.name(e.target()),
                    link,
                    attribute,
                    resolution,
                    candidates,
                }
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
                "choice" => ", shape=diamond",
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
        let ids: std::collections::HashMap<&str, usize> =
            g.nodes.iter().enumerate().map(|(i, n)| (n.id.as_str(), i)).collect();
        let id_of = |name: &str| ids.get(name).map(|i| format!("n{i}")).unwrap_or_default();
        for (i, n) in g.nodes.iter().enumerate() {
            let _ = writeln!(out, "  n{i}[\"{}\"]", mermaid_escape(&n.id));
        }
        for e in &g.edges {
            let arrow = match e.resolution {
                Resolution::Known | Resolution::Reference => "-->",
                _ => "-.->",
            };
            let label = if e.attribute.is_empty() { e.link.to_string() } else { e.attribute.clone() };
            let _ = writeln!(out, "  {} {arrow}|{}| {}", id_of(&e.from), mermaid_escape(&label), id_of(&e.to));
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
