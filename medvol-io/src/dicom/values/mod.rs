//! The values room: turning stored pixel data into voxel values (native and compressed
//! transfer syntaxes, 32-bit RLE, the Modality LUT, the rescale and Philips' scaling).

pub(crate) mod colour;
pub(crate) mod decode;
pub(crate) mod modality_lut;
pub(crate) mod philips;
pub(crate) mod rle;
