"""FakeData: torchvision's dataset of random images, for trying a pipeline without downloading anything."""

import numpy as np

from lamina.data.dataset import Dataset


class FakeData(Dataset):
    """`size` random uint8 images of `image_size` (C, H, W) with random labels below `num_classes`.

    Sample i is the same on every read (drawn from a generator seeded by i + random_offset), as in
    torchvision; its values are lamina's own. An image is (H, W, C) uint8, or (H, W) for one channel,
    the layout ToTensor takes.
    """

    def __init__(
        self,
        size=1000,
        image_size=(3, 224, 224),
        num_classes=10,
        transform=None,
        target_transform=None,
        random_offset=0,
    ):
        if len(image_size) != 3 or min(image_size) < 1:
            raise ValueError(f"FakeData: image_size must be (channels, height, width); got {tuple(image_size)}.")
        self.size, self.image_size, self.num_classes = int(size), tuple(image_size), int(num_classes)
        self.transform, self.target_transform, self.random_offset = transform, target_transform, random_offset

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        if not -self.size <= index < self.size:
            raise IndexError(f"FakeData: index {index} out of range for {self.size} samples.")
        rng = np.random.default_rng(index % self.size + self.random_offset)
        channels, height, width = self.image_size
        image = rng.integers(0, 256, (height, width, channels), dtype=np.uint8)
        image = image[:, :, 0] if channels == 1 else image
        target = int(rng.integers(0, self.num_classes))
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target
