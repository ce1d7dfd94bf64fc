"""torch.backends.cudnn: lamina has no cuDNN (its GPU backend writes its own kernels), so it is never available
and its flags, kept so that programs can set them, change nothing."""

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    return False


def version():
    return None
