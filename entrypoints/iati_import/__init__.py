"""IATI 2.03 import: an ``iati-activities`` file into the commands a contributor sends.

``screening`` refuses a file that is not valid IATI 2.03 before anything is appended;
``reading`` turns one ``iati-activity`` element into what the registry can take from it (and
notes what it cannot); ``planning`` turns that, with the partnership as it stands, into
mutation inputs; ``applying`` resolves organisations, submits the inputs through the GraphQL
schema's own input types with the token's rights, and reports per activity.
"""
