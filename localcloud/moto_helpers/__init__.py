"""What every service's moto gaps share (moto is pinned to 5.2.5):

- ``version``: refuses to patch any moto but the pinned one.
- ``gaps``: the registry each service package registers its gaps in, and :func:`gaps.apply`,
  which the emulator calls before it serves.
- ``model_lookup``: the CloudFormation models the services add go in front of moto's lookup.
- ``cfn_models``: the base those models are built on (:func:`cfn_models.cfn_model`).
"""
