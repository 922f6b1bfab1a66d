"""``glassnet lecture``: the lecture's Fashion-MNIST experiments and their report.

    experiments   the registry: one declarative spec per experiment
    runner        data, training, saving and reusing results
    report        report.html (self-contained) and report.md from the saved results
"""
