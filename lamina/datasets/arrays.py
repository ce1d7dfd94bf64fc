"""LabelledImages: the common shape of MNIST, CIFAR and Digits, images and labels held as arrays."""

from lamina.data.dataset import Dataset


class LabelledImages(Dataset):
    """Samples (images[i], int(labels[i])), passed through transform / target_transform when given.

    Subclasses set `self.images`, `self.labels`, `self.transform` and `self.target_transform`.
    """

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        image, label = self.images[index], int(self.labels[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label
