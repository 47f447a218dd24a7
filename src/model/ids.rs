//! Newtype indexes: a resource instance in [`super::Model`], a module instance in its module
//! table. Plain `usize`s were interchangeable by mistake; these are not.

use serde::Serialize;

/// A resource instance: its position in [`super::Model::resources`] (input order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ResId(u32);

impl ResId {
    pub fn new(index: usize) -> ResId {
        ResId(u32::try_from(index).expect("fewer than 2^32 resources"))
    }

    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A module instance in the model's module table; the root is [`ModId::ROOT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModId(u32);

impl ModId {
    pub const ROOT: ModId = ModId(0);

    pub fn new(index: usize) -> ModId {
        ModId(u32::try_from(index).expect("fewer than 2^32 module instances"))
    }

    pub fn index(self) -> usize {
        self.0 as usize
    }
}
