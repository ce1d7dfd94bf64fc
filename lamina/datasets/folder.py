"""ImageFolder: root/<class>/<image> trees (Caltech 101/256, ImageNet), decoded lazily with Pillow."""

from pathlib import Path

from lamina.data.dataset import Dataset
from lamina.errors import DataError

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def pil_loader(path):
    """The image at path as an RGB Pillow image (Pillow is the `images` extra)."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("ImageFolder needs Pillow to decode images: pip install 'lamina[images]'.") from None
    try:
        with Image.open(path) as image:
            return image.convert("RGB")
    except OSError as error:
        raise DataError(f"{path}: cannot decode the image ({error}); the file is corrupt or not an image.") from None


class ImageFolder(Dataset):
    """Classes are the sub-folder names (sorted); samples are (image, class index), decoded on access.

    Shape: with the default loader an image is a Pillow RGB image; add transforms.ToTensor()
    for a (3, H, W) float tensor.
    """

    def __init__(self, root, transform=None, target_transform=None, loader=pil_loader, extensions=IMAGE_EXTENSIONS):
        self.root = Path(root)
        if not self.root.is_dir():
            raise DataError(f"ImageFolder: {self.root} is not a folder.")
        self.classes = sorted(p.name for p in self.root.iterdir() if p.is_dir())
        if not self.classes:
            raise DataError(f"ImageFolder: {self.root} has no class sub-folders (expected root/<class>/<image>).")
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}
        self.samples = [
            (path, self.class_to_idx[name])
            for name in self.classes
            for path in sorted((self.root / name).rglob("*"))
            if path.suffix.lower() in extensions and path.is_file()
        ]
        if not self.samples:
            raise DataError(f"ImageFolder: no images with extensions {extensions} under {self.root}.")
        self.targets = [label for _, label in self.samples]
        self.transform, self.target_transform, self.loader = transform, target_transform, loader

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index):
        path, label = self.samples[index]
        image = self.loader(path)
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label
