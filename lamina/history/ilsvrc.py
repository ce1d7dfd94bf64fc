"""The ImageNet challenge (ILSVRC) classification error by year: the published numbers the lecture shows,
each with where it was published. Data, not a measurement: the history report and the documentation site
print it beside the milestones that reproduce the models at small scale."""

# (year, winning entry, top-5 test error in %, source)
TOP5_ERROR = [
    (2010, "NEC-UIUC (SIFT/LBP features, SVMs)", 28.2, "Russakovsky et al. 2015, IJCV"),
    (2011, "XRCE (Fisher vectors)", 25.8, "Russakovsky et al. 2015, IJCV"),
    (2012, "SuperVision (AlexNet)", 16.4, "Krizhevsky, Sutskever & Hinton 2012, Table 2 (15.3 with extra data)"),
    (2013, "Clarifai (ZFNet-style)", 11.7, "Russakovsky et al. 2015, IJCV"),
    (2014, "GoogLeNet", 6.7, "Szegedy et al. 2015, Table 2"),
    (2015, "ResNet (MSRA)", 3.57, "He et al. 2016, Table 5"),
    (2016, "Trimps-Soushen (ensemble)", 2.99, "ILSVRC 2016 results page"),
    (2017, "SENet", 2.25, "Hu, Shen & Sun 2018, CVPR"),
]
HUMAN_TOP5 = (5.1, "Russakovsky et al. 2015, IJCV (one trained annotator)")


def rows():
    """Table rows as strings: year, entry, top-5 error, source."""
    return [(str(year), entry, f"{error}%", source) for year, entry, error, source in TOP5_ERROR]
