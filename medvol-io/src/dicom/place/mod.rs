//! The placement room: where each slice and voxel sits in the patient (LPS mm), including the
//! layouts that need more than ImagePositionPatient (Siemens mosaic, UIH VFRAME, RT Dose grids,
//! GE reversed phase encoding), and what a grid may claim ([`placement::Placement`]).

pub(crate) mod geometry;
pub(crate) mod mosaic;
pub(crate) mod pepolar;
pub(crate) mod placement;
pub(crate) mod rtdose;
pub(crate) mod uih;
