"""torchvision's paths on lamina: `datasets`, `transforms`, `models` and `utils` (make_grid, save_image).

What PyTorch code imports from torchvision, at the same names, so that `lamina run` can resolve
`import torchvision` for a script (pytorch/examples' mnist, vae and dcgan import it first). The datasets,
transforms and models themselves live in lamina.datasets, lamina.transforms and lamina.models; this
package only gathers them where torchvision users look.
"""

from lamina.vision import datasets, models, transforms, utils

__all__ = ["datasets", "models", "transforms", "utils"]
