//! The result of resolving one attribute that names other resources.

use std::sync::Arc;

use serde::Serialize;
use smallvec::SmallVec;

use crate::model::ResId;

/// How a link was decided, from most to least certain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Resolution {
    /// Known identifiers in the plan or state.
    Known,
    /// Configuration references that lead to exactly one resource per slot.
    Reference,
    /// References that lead to a set of candidates, one of which is meant.
    Candidates,
    /// Nothing the plan says leads anywhere.
    Unresolved,
}

/// What a VPC brings along without a resource of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VpcDefault {
    SecurityGroup,
    RouteTable,
    NetworkAcl,
}

impl VpcDefault {
    pub fn label(self) -> &'static str {
        match self {
            VpcDefault::SecurityGroup => "default security group",
            VpcDefault::RouteTable => "main route table",
            VpcDefault::NetworkAcl => "default network ACL",
        }
    }
}

/// Something a link points at.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    Resource(ResId),
    /// An identifier the plan knows but that no resource in it carries, e.g. an existing subnet.
    External(String),
    /// A VPC's default security group, main route table or default network ACL.
    VpcDefault(VpcDefault, ResId),
}

/// One value of a link attribute: exactly one of its options is meant. A single option is
/// held inline; several are shared: thousands of links naming the same candidate set hold
/// one copy of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slot<T = Target> {
    options: Options<T>,
}

/// Always `One` for a single option, so that equal slots compare and hash alike.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Options<T> {
    One(T),
    Many(Arc<[T]>),
}

impl<T> Slot<T> {
    pub fn new(mut options: Vec<T>) -> Slot<T> {
        match options.len() {
            1 => Slot::one(options.pop().expect("one option")),
            _ => Slot { options: Options::Many(options.into()) },
        }
    }

    pub fn one(option: T) -> Slot<T> {
        Slot { options: Options::One(option) }
    }

    pub fn options(&self) -> &[T] {
        match &self.options {
            Options::One(t) => std::slice::from_ref(t),
            Options::Many(list) => list,
        }
    }
}

impl<T: Clone> Slot<T> {
    /// A slot over a list other slots may share.
    pub fn shared(options: Arc<[T]>) -> Slot<T> {
        match &options[..] {
            [only] => Slot::one(only.clone()),
            _ => Slot { options: Options::Many(options) },
        }
    }
}

/// A link's slots; one is held inline.
pub type Slots<T = Target> = SmallVec<[Slot<T>; 1]>;

/// A resolved link attribute: its slots (one for a scalar attribute, one per member of a list)
/// and how they were decided. Resolution links to [`Target`]s; the network graph, to its nodes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Link<T = Target> {
    pub resolution: Resolution,
    pub slots: Slots<T>,
    /// The configuration leaves the attribute unset (AWS then decides, e.g. a default).
    pub unset: bool,
    /// References that could not be followed, e.g. `data.aws_subnet.x` (read during apply).
    pub dead_ends: Vec<String>,
    /// Set when candidates stand in for what could not be read, e.g. `local.subnet_ids`
    /// without `.tf` sources: every resource of the right type in the module.
    pub fallback: Option<String>,
}

impl<T: Clone + Eq + std::hash::Hash> Link<T> {
    pub fn unset() -> Link<T> {
        Link { resolution: Resolution::Known, slots: Slots::new(), unset: true, dead_ends: Vec::new(), fallback: None }
    }

    pub fn known_empty() -> Link<T> {
        Link { resolution: Resolution::Known, slots: Slots::new(), unset: false, dead_ends: Vec::new(), fallback: None }
    }

    /// Every target any slot may take, deduplicated, in order.
    pub fn targets(&self) -> Vec<&T> {
        let all = || self.slots.iter().flat_map(|s| s.options().iter());
        let count = self.slots.iter().map(|s| s.options().len()).sum::<usize>();
        let mut out: Vec<&T> = Vec::with_capacity(count);
        if count <= 16 {
            // A few targets: comparing with those kept costs less than hashing.
            for t in all() {
                if !out.contains(&t) {
                    out.push(t);
                }
            }
        } else {
            let mut seen = rustc_hash::FxHashSet::default();
            out.extend(all().filter(|t| seen.insert(*t)));
        }
        out
    }

    /// The one target when the link is decided (a single slot with a single option).
    pub fn single(&self) -> Option<&T> {
        match self.slots.as_slice() {
            [s] if s.options().len() == 1 => s.options().first(),
            _ => None,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The same link over other targets (`f` maps each option).
    pub fn map<U>(&self, mut f: impl FnMut(&T) -> U) -> Link<U> {
        Link {
            resolution: self.resolution,
            slots: self
                .slots
                .iter()
                .map(|s| match s.options() {
                    [only] => Slot::one(f(only)),
                    many => Slot::new(many.iter().map(&mut f).collect()),
                })
                .collect(),
            unset: self.unset,
            dead_ends: self.dead_ends.clone(),
            fallback: self.fallback.clone(),
        }
    }

    /// Whether the link names nothing for certain: a fallback, a dead end, or nothing at all
    /// from references.
    pub fn has_doubts(&self) -> bool {
        self.fallback.is_some()
            || !self.dead_ends.is_empty()
            || (self.resolution == Resolution::Unresolved && self.slots.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(slots: Vec<Vec<u32>>) -> Link<u32> {
        let mut l = Link::known_empty();
        l.slots = slots.into_iter().map(Slot::new).collect();
        l
    }

    #[test]
    fn targets_are_distinct_in_order_of_first_appearance() {
        assert_eq!(link(vec![vec![3, 1], vec![1, 2], vec![3]]).targets(), [&3, &1, &2]);
        assert_eq!(link(vec![vec![5]]).targets(), [&5]);
        assert!(link(vec![]).targets().is_empty());
        // Past a handful, the same answer through a set.
        let many: Vec<u32> = (0..40).chain(10..30).collect();
        let expected: Vec<u32> = (0..40).collect();
        assert_eq!(link(vec![many.clone(), many]).targets(), expected.iter().collect::<Vec<_>>());
    }
}
